#!/usr/bin/env bash
# Reads over gRPC while a bulk load arrives (issue 10, item 6):
#   [MIX=chrono=1] [RATE=2000] bash benchmarks/load/feed_during_ingest.sh STORE_DIR OUT_DIR [POSTS]
# STORE_DIR is a load corpus's store (WORK_DIR/server after `feedrank-load --data-dir WORK_DIR
# --users 100000 --posts 1000000`); it is copied, never changed. On the copy, with feedrank-load
# in open loop (RATE calls/s of feedrank-load's --mix MIX, by default 2,000 chronological GetFeed
# calls/s, over 100k viewers, one client thread):
#   1. idle: 10 s measured, no writes;
#   2. during ingest: POSTS (default 300,000) new posts streamed by `feedrank load` (Ingest)
#      starting as the measured window starts; the window is as long as a dry run of the same
#      ingest on another copy took, and the ingest's own time is printed beside it.
# Tables go to OUT_DIR/idle.txt and OUT_DIR/during.txt, JSON beside them.
set -euo pipefail
store=${1:?usage: feed_during_ingest.sh STORE_DIR OUT_DIR [POSTS]}
out=${2:?usage: feed_during_ingest.sh STORE_DIR OUT_DIR [POSTS]}
posts=${3:-300000}
mix=${MIX:-chrono=1}
rate=${RATE:-2000}
build=${BUILD:-build}
server_bin=${SERVER_BIN:-$build/tools/server/feedrank-server}
cli=$build/tools/cli/feedrank
load=$build/benchmarks/load/feedrank-load
address=${FEEDRANK_BENCH_ADDRESS:-127.0.0.1:50992}
scratch=$(mktemp -d /tmp/feedrank-during-XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$scratch"' EXIT
mkdir -p "$out"
pid=

python3 - "$posts" >"$scratch/posts.jsonl" <<'PY'
import json, sys
for i in range(int(sys.argv[1])):
    print(json.dumps({"type": "post", "id": 8_000_000_000 + i, "author_id": 1 + i * 7 % 100000,
                      "text": f"bulk load {i} #during words about topic {i % 53}",
                      "created_at_ms": 1_800_000_000_000 + i}))
PY

source "$(dirname "$0")/server_on_a_copy.sh"
ingest() {
  seconds_of "$out/ingest-$1.log" "$out/ingest-$1.err" \
    "$cli" --server "$address" load "$scratch/posts.jsonl"
}
feed_load() {
  "$load" --server "$address" --users 100000 --loop open --rate "$rate" --mix "$mix" \
    --warmup 2 --duration "$2" --json "$out/$1.json" >"$out/$1.txt" 2>"$out/$1.log"
}

start dry
dry=$(ingest dry)
stop
echo "dry run: $posts posts ingested in $dry s" | tee "$out/summary.txt"

start idle
feed_load idle 10
stop

start during
window=$(awk -v d="$dry" 'BEGIN { printf "%d", d + 1 }')
feed_load during "$window" &
reader=$!
sleep 2  # the reader's warm-up
took=$(ingest during)
wait "$reader"
stop
echo "during: $posts posts ingested in $took s while $mix at $rate/s was measured for $window s" \
  | tee -a "$out/summary.txt"
for step in idle during; do echo "== $step"; tail -n +2 "$out/$step.txt"; done | tee -a "$out/summary.txt"
