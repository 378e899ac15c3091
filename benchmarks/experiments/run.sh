#!/usr/bin/env bash
# The experiments issue's end-to-end runs: for each example config (A/B, A/A, interleaved) a fresh
# feedrank-server, `feedrank simulate` with 10,000 viewers, and the report as text and HTML, written
# to benchmarks/experiments/ (or the folder given). Also extracts the A/B engagement-rate chart as
# a standalone SVG for the README. Usage: bash benchmarks/experiments/run.sh [OUT_DIR] [VIEWERS]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-build}
out=${1:-benchmarks/experiments}
viewers=${2:-10000}
mkdir -p "$out"

for config in ab aa interleaved; do
  data=$(mktemp -d)
  "$build/tools/server/feedrank-server" --listen 127.0.0.1:0 --data-dir "$data/store" \
    --experiments "tools/examples/experiments-$config.json" > "$data/server.log" 2>&1 &
  server=$!
  address=""
  for _ in $(seq 1 100); do
    address=$(sed -n 's/^listening on //p' "$data/server.log")
    [ -n "$address" ] && break
    sleep 0.1
  done
  [ -n "$address" ] || { cat "$data/server.log"; exit 1; }
  echo "== $config: server on $address, $viewers viewers"
  # A fixed start (2026-11-01, in the past for any run from now on) makes the runs bit-identical:
  # the default start follows the clock, and the interleaving coins depend on the time.
  /usr/bin/time -f "simulate took %e s" "$build/tools/cli/feedrank" --server "$address" simulate \
    --viewers "$viewers" --seed 1 --start-ms 1793491200000 --report-html "$out/$config-report.html" | tee "$out/$config-summary.txt"
  experiment=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["experiments"][0]["id"])' \
    "tools/examples/experiments-$config.json")
  "$build/tools/cli/feedrank" --server "$address" report --experiment "$experiment" > "$out/$config-report.txt"
  kill -TERM "$server"
  wait "$server" || true
  rm -rf "$data"
done

# The first chart of the A/B page (engagement rate per arm with its 95% interval), standalone.
python3 - "$out/ab-report.html" "$out/ab-engagement-rate.svg" <<'PY'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
svg = re.search(r"<svg .*?</svg>", page, re.S).group(0)
svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" ', 1)
open(sys.argv[2], "w", encoding="utf-8").write(svg + "\n")
PY
# A screenshot of the A/B page, where Chromium is installed (Debian's `chromium`).
if command -v chromium > /dev/null; then
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,1500 \
    --screenshot="$out/ab-report.png" "file://$(realpath "$out/ab-report.html")" 2> /dev/null
fi
echo "written: $out/{ab,aa,interleaved}-{summary.txt,report.txt,report.html}, $out/ab-engagement-rate.svg"
