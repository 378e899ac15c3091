#!/usr/bin/env bash
# Cross-checks feedrank-load against h2load (nghttp2-client), an established HTTP/2 load tool:
# both send the same chronological GetFeed request (one fixed viewer, cursors not followed) in a
# closed loop with the same number of connections and calls in flight, against one server on
# loopback, one after the other; prints both tools' requests/s and mean latency side by side.
# h2load only sees HTTP statuses, so the server's /metrics count of GetFeed calls answered OK is
# read before and after its run: every h2load request must have been a successful gRPC call.
#
#   bash benchmarks/load/h2load_crosscheck.sh WORK_DIR [CONNECTIONS] [STREAMS_PER_CONNECTION] [SECONDS]
#
# WORK_DIR is a feedrank-load --data-dir that already holds a corpus (load it first, e.g.
# build/benchmarks/load/feedrank-load --data-dir WORK_DIR --users 100000 --posts 1000000 ...).
# Env: BUILD (default build), VIEWER (default 1000), LIMIT (page size, default 20),
# SERVER_ARGS (extra feedrank-server flags, default "--impression-log off").
set -euo pipefail

work=${1:?usage: h2load_crosscheck.sh WORK_DIR [CONNECTIONS] [STREAMS] [SECONDS]}
connections=${2:-4}
streams=${3:-8}
seconds=${4:-20}
build=${BUILD:-build}
viewer=${VIEWER:-1000}
limit=${LIMIT:-20}
server_args=${SERVER_ARGS:---impression-log off}
callers=$((connections * streams))
load_bin=$build/benchmarks/load/feedrank-load
server_bin=$build/tools/server/feedrank-server

command -v h2load >/dev/null || { echo "h2load not found (apt-get install nghttp2-client)" >&2; exit 2; }
[[ -f $work/load-corpus.json ]] || { echo "$work holds no corpus (load-corpus.json): run feedrank-load --data-dir $work first" >&2; exit 2; }
as_of=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["last_record_ms"])' "$work/load-corpus.json")

scratch=$(mktemp -d)
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

# shellcheck disable=SC2086  # SERVER_ARGS is a list of flags
"$server_bin" --listen 127.0.0.1:0 --data-dir "$work/server" --metrics-listen 127.0.0.1:0 \
  $server_args >"$scratch/server.out" 2>"$scratch/server.err" &
server_pid=$!
for _ in $(seq 1200); do
  grep -q '^listening on ' "$scratch/server.out" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$scratch/server.err" >&2; exit 1; }
  sleep 0.5
done
address=$(sed -n 's/^listening on //p' "$scratch/server.out")
metrics=$(grep -o 'metrics on http://[^ ]*' "$scratch/server.out" | sed 's/^metrics on //')
[[ -n $address && -n $metrics ]] || { echo "server did not start" >&2; cat "$scratch/server.err" >&2; exit 1; }
echo "server $address (pid $server_pid), metrics $metrics, viewer $viewer, page $limit, as_of_ms $as_of" >&2

# The server's count of GetFeed calls by outcome: "OK NOT_OK".
getfeed_calls() {
  python3 - "$metrics" <<'PY'
import re, sys, urllib.request
text = urllib.request.urlopen(sys.argv[1]).read().decode()
ok = not_ok = 0
for code, value in re.findall(r'^feedrank_requests_total\{method="GetFeed",code="(\w+)"\} (\S+)$', text, re.M):
    if code == "OK": ok += int(float(value))
    else: not_ok += int(float(value))
print(ok, not_ok)
PY
}

"$load_bin" --grpc-body-out "$scratch/body.bin" --viewers "fixed:$viewer" --limit "$limit" --as-of-ms "$as_of"

echo "feedrank-load: closed loop, $callers callers on $connections connections, ${seconds}s (+5s warm-up)" >&2
"$load_bin" --server "$address" --loop closed --callers "$callers" --threads "$connections" \
  --viewers "fixed:$viewer" --limit "$limit" --follow-cursor 0 --as-of-ms "$as_of" \
  --mix chrono=1 --warmup 5 --duration "$seconds" --json "$scratch/load.json" >/dev/null

echo "h2load: -c $connections -m $streams, ${seconds}s (+5s warm-up)" >&2
read -r ok_before bad_before < <(getfeed_calls)
h2load -c "$connections" -m "$streams" -D "$seconds" --warm-up-time 5 \
  -H 'content-type: application/grpc' -H 'te: trailers' -d "$scratch/body.bin" \
  "http://$address/feedrank.v1.FeedRank/GetFeed" >"$scratch/h2load.out"
read -r ok_after bad_after < <(getfeed_calls)

python3 - "$scratch/load.json" "$scratch/h2load.out" "$((ok_after - ok_before))" "$callers" "$connections" "$((bad_after - bad_before))" <<'PY'
import json, re, sys
load = json.load(open(sys.argv[1]))
rpc = load["steps"][0]["streams"][0]["rpcs"][0]
h2 = open(sys.argv[2]).read()
rate = float(re.search(r'finished in [^,]+, ([\d.]+) req/s', h2).group(1))
req = re.search(r'requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored', h2)
lat = re.search(r'time for request:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)', h2)
def ms(text):
    v = float(re.match(r'[\d.]+', text).group(0))
    return v / 1000 if text.endswith('us') else v * 1000 if text.endswith('s') and not text.endswith('ms') else v
ok_grpc = int(sys.argv[3])
print(f"| tool | callers (connections) | requests/s | mean ms | max ms | calls | gRPC OK |")
print(f"|---|---|---|---|---|---|---|")
print(f"| feedrank-load | {sys.argv[4]} ({sys.argv[5]}) | {rpc['ok_per_s']:.0f} | {rpc['ok_latency_ms']['mean']:.2f} | "
      f"{rpc['ok_latency_ms']['max']:.2f} | {rpc['calls']} | {rpc['ok']} (p50 {rpc['ok_latency_ms']['p50']:.2f}, p99 {rpc['ok_latency_ms']['p99']:.2f} ms) |")
print(f"| h2load | {sys.argv[4]} ({sys.argv[5]}) | {rate:.0f} | {ms(lat.group(3)):.2f} | {ms(lat.group(2)):.2f} | "
      f"{req.group(4)} succeeded, {req.group(5)} failed, {req.group(6)} errored | {ok_grpc} OK, {sys.argv[6]} not OK (the server's /metrics over h2load's warm-up and run) |")
PY
echo >&2
grep -E 'finished in|requests:|status codes|time for request' "$scratch/h2load.out" >&2
