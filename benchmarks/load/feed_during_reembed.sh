#!/usr/bin/env bash
# Reads and writes while `feedrank reembed` recomputes every post vector (issue 10, item 4):
#   bash benchmarks/load/feed_during_reembed.sh STORE_DIR OUT_DIR
# STORE_DIR is a load corpus's store (WORK_DIR/server after `feedrank-load --data-dir WORK_DIR
# --users 100000 --posts 1000000`); it is copied, never changed. On the copy, with feedrank-load
# in open loop (2,000 calls/s, one client thread: chronological GetFeed 99%, CreatePosts and
# RecordEngagements 0.5% each: 20 single-item writes/s, well below the one-fsync-per-write
# ceiling; GetNearestPosts is left out: 20/s of them, exact scans of 1M rows, already saturate
# two cores beside the feeds):
#   1. idle: 10 s measured, no re-embedding;
#   2. during: `feedrank reembed --wait` starts as the measured window starts; the window is as
#      long as a dry run of the same re-embedding on another copy took, and the re-embedding's
#      own time and summary are printed beside it.
# Tables go to OUT_DIR/idle.txt and OUT_DIR/during.txt, JSON beside them.
set -euo pipefail
store=${1:?usage: feed_during_reembed.sh STORE_DIR OUT_DIR}
out=${2:?usage: feed_during_reembed.sh STORE_DIR OUT_DIR}
build=${BUILD:-build}
server_bin=${SERVER_BIN:-$build/tools/server/feedrank-server}
cli=$build/tools/cli/feedrank
load=$build/benchmarks/load/feedrank-load
address=${FEEDRANK_BENCH_ADDRESS:-127.0.0.1:50993}
scratch=$(mktemp -d /tmp/feedrank-reembed-XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$scratch"' EXIT
mkdir -p "$out"
pid=

source "$(dirname "$0")/server_on_a_copy.sh"
reembed() {
  seconds_of "$out/reembed-$1.txt" "$out/reembed-$1.log" \
    "$cli" --server "$address" reembed --wait
}
mixed_load() {
  "$load" --server "$address" --users 100000 --loop open --rate 2000 \
    --mix chrono=0.99,posts=0.005,engagements=0.005 \
    --warmup 2 --duration "$2" --json "$out/$1.json" >"$out/$1.txt" 2>"$out/$1.log"
}

start dry info
dry=$(reembed dry)
"$cli" --server "$address" stats --memory >"$out/stats-dry.txt"
stop
echo "dry run: re-embedded in $dry s: $(cat "$out/reembed-dry.txt")" | tee "$out/summary.txt"

start idle
mixed_load idle 10
stop

start during info
window=$(awk -v d="$dry" 'BEGIN { printf "%d", d + 1 }')
mixed_load during "$window" &
reader=$!
sleep 2  # the reader's warm-up
took=$(reembed during)
wait "$reader"
stop
echo "during: re-embedded in $took s while the load was measured for $window s:" \
  "$(cat "$out/reembed-during.txt")" | tee -a "$out/summary.txt"
for step in idle during; do echo "== $step"; tail -n +2 "$out/$step.txt"; done | tee -a "$out/summary.txt"
