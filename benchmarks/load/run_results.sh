#!/usr/bin/env bash
# The runs behind the load-generator section of benchmarks/RESULTS.md, one after the other, on
# the 1M-post / 100k-user synthetic corpus (loaded into WORK_DIR on the first run, reused after):
#   bash benchmarks/load/run_results.sh WORK_DIR OUT_DIR
# Each run's table goes to OUT_DIR/NAME.txt and its JSON to OUT_DIR/NAME.json; before each, the
# load average and the busiest other processes go to OUT_DIR/NAME.machine (the box is shared).
set -euo pipefail
work=${1:?usage: run_results.sh WORK_DIR OUT_DIR}
out=${2:?usage: run_results.sh WORK_DIR OUT_DIR}
build=${BUILD:-build}
load=$build/benchmarks/load/feedrank-load
mkdir -p "$out"
corpus=(--data-dir "$work" --users 100000 --posts 1000000 --threads 2)
# "1,000 writes/s": 100 write calls/s of 10 items (posts or engagements), 1,000 items/s.
writes=(--write-rate 100 --write-batch 10)

run() {
  local name=$1; shift
  { date -u; uptime; ps -eo pcpu,comm --sort=-pcpu | head -8; } >"$out/$name.machine"
  echo "== $name: $load $*" >&2
  "$load" "$@" --json "$out/$name.json" >"$out/$name.txt" 2>"$out/$name.log"
  tail -n +2 "$out/$name.txt" >&2
}

only=${ONLY:-chrono chrono_low chrono_nolog closed algo saturation_algo saturation_chrono h2load}
for name in $only; do
  case $name in
    chrono) run chrono "${corpus[@]}" "${writes[@]}" --loop open --rate 5000,10000,20000 \
              --mix chrono=1 --warmup 5 --duration 15 ;;
    chrono_low) run chrono_low "${corpus[@]}" "${writes[@]}" --loop open --rate 2000,3000,4000 \
              --mix chrono=1 --warmup 5 --duration 15 ;;
    chrono_nolog) run chrono_nolog "${corpus[@]}" "${writes[@]}" --loop open --rate 10000,20000 \
              --mix chrono=1 --warmup 5 --duration 15 --server-args "--impression-log off" ;;
    closed) run closed "${corpus[@]}" "${writes[@]}" --loop closed --callers 64 --mix chrono=1 \
              --warmup 5 --duration 15 ;;
    algo) run algo "${corpus[@]}" "${writes[@]}" --loop open --rate 100,200,400,1000 --mix algo=1 \
              --warmup 5 --duration 15 ;;
    saturation_algo) run saturation_algo "${corpus[@]}" --loop open --rate 200,400,800,1600,3200 \
              --mix algo=1 --max-outstanding 20000 --warmup 3 --duration 10 ;;
    saturation_chrono) run saturation_chrono "${corpus[@]}" --loop open \
              --rate 10000,20000,40000 --mix chrono=1 --max-outstanding 50000 --warmup 3 \
              --duration 10 ;;
    h2load) { date -u; uptime; ps -eo pcpu,comm --sort=-pcpu | head -8; } >"$out/h2load.machine"
            echo "== h2load cross-check" >&2
            BUILD=$build bash "$(dirname "$0")/h2load_crosscheck.sh" "$work" 4 8 20 \
              >"$out/h2load.txt" 2>"$out/h2load.log"
            cat "$out/h2load.txt" >&2 ;;
    *) echo "unknown run $name" >&2; exit 2 ;;
  esac
done
