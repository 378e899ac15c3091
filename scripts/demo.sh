#!/usr/bin/env bash
# The run command: installs what is missing, builds, and serves feeds from the embedded store
# in ./feedrank-data, loading a synthetic demo data set the first time. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_TARGETS="feedrank-server feedrank" bash scripts/build.sh

build_dir=${BUILD_DIR:-build}
server_bin="$build_dir/tools/server/feedrank-server"
cli_bin="$build_dir/tools/cli/feedrank"
listen=${FEEDRANK_LISTEN:-127.0.0.1:50051}
http_listen=${FEEDRANK_HTTP_LISTEN:-127.0.0.1:8080}
data_dir=${FEEDRANK_DATA_DIR:-./feedrank-data}
# Extra server flags, word-split, such as "--insecure" to listen beyond loopback without TLS (the
# demo's own calls below use a plain channel, so not TLS).
read -r -a extra_flags <<<"${FEEDRANK_SERVER_FLAGS:-}"
# Present while the demo load runs: a load cut short (Ctrl-C) is done again at the next run;
# loading is idempotent (records already stored count as unchanged).
unfinished_load="${data_dir%/}.demo-load-unfinished"
demo_file="$build_dir/demo-corpus.jsonl"
replay_dir="$build_dir/demo-replays"  # the explorer's replay panel lists these

ready_log=$(mktemp)
"$server_bin" --listen "$listen" --http-listen "$http_listen" --replay-reports "$replay_dir" \
  --data-dir "$data_dir" ${extra_flags[@]+"${extra_flags[@]}"} >"$ready_log" &
server_pid=$!
# The server may have stopped already (a clean stop): kill's failure must not be the exit status.
trap 'kill "$server_pid" 2>/dev/null || true; rm -f "$ready_log"' EXIT INT TERM
# A large store takes seconds to open: wait while the server lives (it says why when it stops).
until grep -q '^listening on ' "$ready_log"; do
  kill -0 "$server_pid" 2>/dev/null || { echo "demo: the server did not start" >&2; exit 1; }
  sleep 0.1
done
address=$(sed -n 's/^listening on //p' "$ready_log")
explorer=$(sed -n 's/^explorer on //p' "$ready_log")

posts=$("$cli_bin" --server "$address" stats --json | sed -n 's/.*"posts": *\([0-9]*\).*/\1/p')
if [ "${posts:-0}" -eq 0 ] || [ -e "$unfinished_load" ]; then
  echo "demo: loading a synthetic data set (2,000 users, 20,000 posts)"
  touch "$unfinished_load"
  "$cli_bin" generate --users 2000 --posts 20000 --seed 1 --out "$demo_file"
  "$cli_bin" --server "$address" load "$demo_file"
  rm -f "$unfinished_load"
fi
if [ -f "$demo_file" ] && [ ! -d "$replay_dir" ]; then
  echo "demo: replaying the demo data at four cuts for the explorer's replay panel"
  mkdir -p "$replay_dir.partial"
  for quantile in 0.6 0.7 0.8 0.9; do
    "$cli_bin" replay --jsonl "$demo_file" --cut-quantile "$quantile" --json \
      >"$replay_dir.partial/cut-$quantile.json" 2>/dev/null
  done
  mv "$replay_dir.partial" "$replay_dir"  # an interrupted run leaves no half set behind
fi

cat <<MSG

feedrank is listening on $address (data in $data_dir)
Feed explorer: ${explorer}#viewer=user_10&as_of_ms=1706745600000&limit=20
JSON over HTTP: curl '${explorer}v1/feed?user_id=5&mode=algorithmic&limit=5&as_of_ms=1706745600000&explain=true'
Try, in another terminal:
  $cli_bin --server $address feed --user 1 --limit 10
  $cli_bin --server $address feed --user 1 --mode algorithmic --limit 10 --as-of-ms 1706745600000 --explain
    (the demo posts are from January 2024: --as-of-ms reads the feed as on 2024-02-01)
  $cli_bin --server $address nearest --user 1 -k 10
  $cli_bin --server $address stats
Ctrl-C stops the server.
MSG
wait "$server_pid"
