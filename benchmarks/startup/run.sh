#!/usr/bin/env bash
# Start-up time and resident memory of a large store with each CPU backend (issue 10):
#   bash benchmarks/startup/run.sh STORE_DIR OUT_DIR [BACKEND...]   (BACKEND: exact, hnsw)
# STORE_DIR is a data directory holding the corpus to measure, e.g. the 1M-post one that
# benchmarks/load/run_results.sh leaves in WORK_DIR/c1m/server; it is copied, never changed.
# For each backend, on a fresh copy:
#   1. first start, timed to the first answered GetStats ("serving") and to an index lag of zero
#      ("indexed"); an HNSW index the store's directory holds (saved at a clean stop) is used,
#      else HNSW indexes every row in the background (48 minutes at 1.1M posts on 2 cores);
#   2. the memory breakdown (feedrank stats --memory --json);
#   3. a clean stop (SIGTERM: checkpoint and index save), timed;
#   4. a start after the clean stop, timed as in 1, and its memory breakdown;
#   5. 10,000 new posts written, kill -9, and a start after the crash, timed as in 1.
# Each step's line goes to OUT_DIR/startup.txt; server logs and stats JSON beside it.
# SERVER_FLAGS adds flags to every start, e.g. SERVER_FLAGS="--post-vectors float".
set -euo pipefail
store=${1:?usage: run.sh STORE_DIR OUT_DIR [exact|hnsw ...]}
out=${2:?usage: run.sh STORE_DIR OUT_DIR [exact|hnsw ...]}
shift 2
backends=("$@")
[ ${#backends[@]} -gt 0 ] || backends=(exact hnsw)
build=${BUILD:-build}
server_bin=$build/tools/server/feedrank-server
cli=$build/tools/cli/feedrank
address=${FEEDRANK_STARTUP_ADDRESS:-127.0.0.1:50991}
scratch=${SCRATCH:-$(mktemp -d /tmp/feedrank-startup-XXXXXX)}
mkdir -p "$out"
report=$out/startup.txt
pid=

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
stats() { "$cli" --server "$address" stats --json "$@" 2>/dev/null; }
load() { cut -d' ' -f1 /proc/loadavg; }
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# Starts the server on the copy; sets pid, serving and indexed (seconds).
start() {
  local backend=$1 log=$2 t0
  t0=$(now)
  "$server_bin" --listen "$address" --data-dir "$scratch/data" --backend cpu \
    --cpu-index "$backend" --log-level info ${SERVER_FLAGS:-} >"$log" 2>&1 &
  pid=$!
  until stats >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "server exited; see $log" >&2; exit 1; }
    sleep 0.05
  done
  serving=$(since "$t0")
  until [ "$(stats | field index_lag)" = 0 ]; do sleep 0.2; done
  indexed=$(since "$t0")
}

# 10,000 posts by existing users (ids 1..100), with ids far above the corpus's.
new_posts() {
  python3 - <<'PY'
import json
for i in range(10000):
    print(json.dumps({"type": "post", "id": 9_000_000_000 + i, "author_id": 1 + i % 100,
                      "text": f"restart check {i} #startup words about topic {i % 37}",
                      "created_at_ms": 1_800_000_000_000 + i}))
PY
}

echo "| backend | step | seconds to serve | seconds to lag 0 | resident MB | load average (1 min) |" >"$report"
echo "|---|---|---|---|---|---|" >>"$report"
for backend in "${backends[@]}"; do
  rm -rf "$scratch/data"
  cp -a "$store" "$scratch/data"
  saved=no
  [ -f "$scratch/data/retrieval-index.faiss" ] && saved=yes
  { date -u; uptime; } >"$out/$backend.machine"

  start "$backend" "$out/$backend-first.log"
  stats --memory >"$out/$backend-memory-first.json"
  echo "| $backend | first start (saved index: $saved) | $serving | $indexed | $(( $(field resident_bytes <"$out/$backend-memory-first.json") >> 20 )) | $(load) |" >>"$report"

  t0=$(now); kill -TERM "$pid"; wait "$pid" || true
  echo "| $backend | clean stop (checkpoint, index save) | $(since "$t0") | | | $(load) |" >>"$report"

  start "$backend" "$out/$backend-clean.log"
  stats --memory >"$out/$backend-memory-clean.json"
  echo "| $backend | start after the clean stop | $serving | $indexed | $(( $(field resident_bytes <"$out/$backend-memory-clean.json") >> 20 )) | $(load) |" >>"$report"

  new_posts | "$cli" --server "$address" load - >"$out/$backend-writes.log" 2>&1
  kill -KILL "$pid"; wait "$pid" || true
  start "$backend" "$out/$backend-crash.log"
  echo "| $backend | start after kill -9 (10,000 posts after the clean stop) | $serving | $indexed | | $(load) |" >>"$report"
  kill -TERM "$pid"; wait "$pid" || true
  cat "$report" >&2
done
rm -rf "$scratch"
