#!/usr/bin/env bash
# The one script for the lent GPU machine (CUDA 13, CMake, PyTorch; no Debian libraries, no
# network). Builds nothing: it runs what benchmarks/gpu/build_carry.sh built here, carried as
# build-gpu-sm90/carry. Writes logs and JSON under $OUT and prints the comparison tables last.
# At most 8 files come back from $OUT, so: env.txt, tests.txt (tests and sanitizers),
# gpu_benchmark.txt (every benchmark's log: retrieval, scoring, PyTorch, ALS and PyTorch ALS,
# appended in that order), gpu_benchmark.json (retrieval), scoring_benchmark.json,
# als_benchmark.json, torch_peer.json, comparison.txt; and torch_als_peer.json, which is folded
# into torch_peer.json (under "als") when the torch part wrote that too, so that 8 still hold.
#
#   bash benchmarks/gpu/run.sh [tests] [sanitize] [bench] [als] [torch] [torch-als] [sweep] [server]
#                              [two-cores]
#                                                             (default: tests bench als torch)
#
# bench runs the retrieval benchmark, which also times our CPU exact scan on the same host and
# data (every core), and the feature scoring benchmark (CPU twin, GPU call, GPU kernel alone), so
# the comparison tables have CPU, GPU and PyTorch side by side.
#
# als runs the implicit-ALS training benchmark: one iteration on the CPU twin (every core) and
# the GPU twin, on a synthetic 100k x 1M matrix (2M entries) and on Last.fm (carry/data), and
# Last.fm trained to convergence on both; comparison.txt gets its CPU/GPU table.
#
# torch-als (not default) runs torch_als_peer.py, the PyTorch peer of one ALS iteration on the
# same synthetic shape and on Last.fm (carry/data), resident and with host transfers, and checks
# its Last.fm training against ours; the ALS table gets torch columns and ours/torch. Run it with
# als: "als torch-als" (about a minute more).
#
# sweep times the retrieval knobs that need no rebuild (sweep.txt): batches of 1 and 8 on the
# fused scan against the GEMM path (FEEDRANK_FUSED_MAX_BATCH 8 and 0), and the score tile's size
# at 10M x 1024 (FEEDRANK_SCORE_TILE_MB 8 to 256).
#
# server runs the service itself from the other carry (`build_carry.sh server`, carried as
# build-gpu-sm90/server-carry; SERVER_CARRY names another): Ingest of 1M posts while a reader
# calls GetNearestPosts, with the exact CPU scan and with --backend gpu (ingest_benchmark's
# BM_IngestIndexed: posts/s, index lag at the end, catch-up time, the reader's latencies), then
# feedrank-load's algorithmic GetFeed and GetNearestPosts over gRPC on one 1M-post store, the
# CPU backend beside the GPU one. It writes server.txt (every table) and ingest.json.
# INGEST_FILTER, LOAD_USERS and LOAD_POSTS shrink it (a smoke test where there is no GPU).
#
# two-cores (needs no GPU; from the same server carry) runs issues 10's and 13's targets, which
# are set for 2 cores with client and server on one machine, on two of the host's cores
# (`taskset -c $TWO_CORES`, default 0,1, around client and server alike): Ingest of 1M posts
# (exact scan) without and with a nearest-posts reader, then on one 1M-post / 100k-user store
# (built first on every core) with 100 write calls/s of 10 items, chronological GetFeed at
# 20,000/s and algorithmic GetFeed at 1,000/s, open loop. It writes two_cores.txt.
# TWO_CORES_INGEST_FILTER, LOAD_USERS and LOAD_POSTS shrink it.
#
# sanitize runs a few small GPU tests (retrieval and scoring) under compute-sanitizer (memcheck,
# racecheck, synccheck, initcheck): the memory-model checks the CPU emulation cannot make.
# A session's device time (15 minutes, the machine's start included) holds one call of about 8
# minutes: "tests sanitize bench als torch" with DEADLINE_S=420 (benchmarks/gpu/NOTES.md).
#
# Environment: CARRY (default build-gpu-sm90/carry), OUT (default /tmp/feedrank-gpu-out),
# GTEST_FILTER, BENCHMARK_FILTER (retrieval), SCORING_FILTER (scoring), ALS_FILTER (ALS) to run a
# subset, SANITIZE_FILTER / SCORING_SANITIZE_FILTER / ALS_SANITIZE_FILTER for the sanitized tests,
# TORCH_ARGS (e.g. --skip-10m, --skip-scoring, --scoring-only); DEADLINE_S (540 with a GPU), the
# seconds the whole script may take (a device call is stopped at 600 s): each program gets what
# is left less 20 s for the tables, is stopped at that, and one that would start with under 30 s
# left is skipped, so that a slow part cannot cost the results of the parts before it.
set -uo pipefail
cd "$(dirname "$0")/../.."
carry=${CARRY:-build-gpu-sm90/carry}
# Absolute, so that a relative or an absolute CARRY both work below (the server parts carry
# another folder, and may come without this one).
if [ -d "$carry" ]; then carry=$(cd "$carry" && pwd); fi
out=${OUT:-/tmp/feedrank-gpu-out}
mkdir -p "$out"
parts=${*:-tests bench als torch}
# With a GPU listed, a GPU test that finds no usable one fails instead of skipping
# (tests/kernels/skip_without_gpu.h), in every part (tests and sanitize alike): a driver or build
# mismatch must not pass as a clean run. Without one (a smoke test of the scripts), nothing needs
# cuBLAS and nothing has the device tool's 600 s limit.
gpu_listed=0
if nvidia-smi -L 2>/dev/null | grep '^GPU ' >/dev/null; then
  gpu_listed=1
  export FEEDRANK_REQUIRE_GPU=1
fi
# The parts that run our programs on the GPU, and so need cuBLAS when there is one.
needs_cublas=0
for part in tests sanitize bench als sweep server; do
  if [[ " $parts " == *" $part "* ]]; then needs_cublas=$gpu_listed; fi
done

# Our binaries get the carried libraries and the machine's cuBLAS; python keeps its own
# environment (our Debian libraries must not shadow PyTorch's). NVIDIA's CUDA 13 wheels (PyTorch
# cu130) put libcublas.so.13 in site-packages/nvidia/cu13/lib, older ones in nvidia/cublas/lib.
cublas_dir=""
for d in /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/local/cuda-13*/lib64 \
  $(python3 -c 'import nvidia, os; [print(os.path.join(p, s, "lib")) for p in nvidia.__path__ for s in ("cu13", "cublas")]' 2>/dev/null) \
  $(ldconfig -p 2>/dev/null | awk '$1 == "libcublas.so.13" {sub("/[^/]*$", "", $NF); print $NF}'); do
  if [ -e "$d/libcublas.so.13" ]; then cublas_dir=$d; break; fi
done
# OpenBLAS travels gzipped (build_carry.sh): unpack it next to the carry's other libraries.
blas_dir=$(mktemp -d)
trap 'rm -rf "$blas_dir"' EXIT
if [ -f "$carry/lib/libopenblas.so.0.gz" ]; then
  gzip -dc "$carry/lib/libopenblas.so.0.gz" >"$blas_dir/libopenblas.so.0" 2>/dev/null ||
    python3 -c 'import gzip, shutil, sys; shutil.copyfileobj(gzip.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
      "$carry/lib/libopenblas.so.0.gz" "$blas_dir/libopenblas.so.0"
fi
# On the lent machine a command stops at 600 s: by default stop starting parts 60 s before.
default_deadline=$((gpu_listed ? 540 : 86400))
deadline=$((SECONDS + ${DEADLINE_S:-$default_deadline}))
limited() {
  local left=$((deadline - SECONDS - 20))
  if [ "$left" -lt 30 ]; then
    echo "run.sh: skipped, ${left}s left before DEADLINE_S: $*"
    return 124
  fi
  # Line-buffered, so that a program stopped at its limit has still printed what it finished.
  timeout -k 5 "$left" stdbuf -oL "$@"
}
ours_env=(env LD_LIBRARY_PATH="$carry/lib:$blas_dir${cublas_dir:+:$cublas_dir}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")

{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv
  nvcc --version 2>/dev/null | tail -1
  echo "cuBLAS from: ${cublas_dir:-NOT FOUND}"
  for bin in "$carry"/bin/*; do
    echo "== ldd $bin"
    "${ours_env[@]}" ldd "$bin" | grep -E "not found|absl|benchmark|cublas|cudart|blas" || true
  done
} 2>&1 | tee "$out/env.txt"
if [ -z "$cublas_dir" ] && [ "$needs_cublas" = 1 ]; then
  echo "run.sh: FAILED: cuBLAS NOT FOUND (no libcublas.so.13 in the CUDA folders, PyTorch's" \
    "nvidia wheels or ldconfig's cache): the GPU parts of \"$parts\" cannot run" |
    tee -a "$out/env.txt" >&2
  exit 1
fi

status=0
if [[ " $parts " == *" bench "* || " $parts " == *" als "* || " $parts " == *" torch "* ||
  " $parts " == *" torch-als "* ]]; then
  : >"$out/gpu_benchmark.txt"
fi
if [[ " $parts " == *" tests "* ]]; then
  echo "== tests" | tee "$out/tests.txt"
  for t in kernels_gpu_emulation_test kernels_gpu_index_test kernels_feature_scorer_gpu_test \
    kernels_als_solver_gpu_test; do
    limited "${ours_env[@]}" "$carry/bin/$t" --gtest_filter="${GTEST_FILTER:-*}" 2>&1 | tee -a "$out/tests.txt"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  done
fi
if [[ " $parts " == *" sanitize "* ]]; then
  filter=${SANITIZE_FILTER:-GpuIndex.OddDimensionsTakeEveryPath:GpuIndex.IncrementalSyncAcrossGrowthAndNewTombstones:GpuIndex.LargeBatchesAreSplitIntoGroups}
  scoring_filter=${SCORING_SANITIZE_FILTER:-FeatureScorerGpu.HandComputedCasesExactly:FeatureScorerGpu.MatchesCpuOnSmallShapesWithin1e5}
  als_filter=${ALS_SANITIZE_FILTER:-AlsSolverGpu.SolveMatchesCpu:AlsSolverGpu.RowsAtTheResidualFloorStayPut}
  for tool in memcheck racecheck synccheck initcheck; do
    for run in "kernels_gpu_index_test $filter" "kernels_feature_scorer_gpu_test $scoring_filter" \
      "kernels_als_solver_gpu_test $als_filter"; do
      read -r bin bin_filter <<<"$run"
      echo "== compute-sanitizer --tool $tool $bin" | tee -a "$out/tests.txt"
      limited "${ours_env[@]}" compute-sanitizer --tool "$tool" --error-exitcode 1 \
        "$carry/bin/$bin" --gtest_filter="$bin_filter" 2>&1 | tail -n 40 | tee -a "$out/tests.txt"
      [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    done
  done
fi
if [[ " $parts " == *" bench "* ]]; then
  limited "${ours_env[@]}" "$carry/bin/gpu_retrieval_benchmark" --benchmark_filter="${BENCHMARK_FILTER:-.}" \
    --benchmark_out="$out/gpu_benchmark.json" --benchmark_out_format=json 2>&1 |
    tee -a "$out/gpu_benchmark.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  limited "${ours_env[@]}" "$carry/bin/gpu_scoring_benchmark" --benchmark_filter="${SCORING_FILTER:-.}" \
    --benchmark_out="$out/scoring_benchmark.json" --benchmark_out_format=json 2>&1 |
    tee -a "$out/gpu_benchmark.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi
if [[ " $parts " == *" torch "* ]]; then
  echo "== torch_peer.py" | tee -a "$out/gpu_benchmark.txt"
  limited env PYTHONUNBUFFERED=1 python3 benchmarks/gpu/torch_peer.py --out "$out/torch_peer.json" \
    ${TORCH_ARGS:-} 2>&1 | tee -a "$out/gpu_benchmark.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi
if [[ " $parts " == *" als "* ]]; then
  lastfm="$carry/data/user_artists.dat"
  [ -f "$lastfm" ] || echo "run.sh: no $lastfm: the ALS benchmark's Last.fm cases skip"
  echo "== gpu_als_benchmark" | tee -a "$out/gpu_benchmark.txt"
  limited "${ours_env[@]}" FEEDRANK_LASTFM_USER_ARTISTS="$lastfm" "$carry/bin/gpu_als_benchmark" \
    --benchmark_filter="${ALS_FILTER:-.}" \
    --benchmark_out="$out/als_benchmark.json" --benchmark_out_format=json 2>&1 |
    tee -a "$out/gpu_benchmark.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi
if [[ " $parts " == *" torch-als "* ]]; then
  lastfm="$carry/data/user_artists.dat"
  lastfm_args=()
  if [ -f "$lastfm" ]; then lastfm_args=(--lastfm "$lastfm"); else
    echo "run.sh: no $lastfm: torch_als_peer.py runs the synthetic case only"; fi
  echo "== torch_als_peer.py" | tee -a "$out/gpu_benchmark.txt"
  limited env PYTHONUNBUFFERED=1 python3 benchmarks/gpu/torch_als_peer.py --out "$out/torch_als_peer.json" \
    ${lastfm_args[@]+"${lastfm_args[@]}"} 2>&1 | tee -a "$out/gpu_benchmark.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
fi
if [[ " $parts " == *" sweep "* ]]; then
  for fused in 8 0; do
    echo "== FEEDRANK_FUSED_MAX_BATCH=$fused" | tee -a "$out/sweep.txt"
    limited "${ours_env[@]}" FEEDRANK_FUSED_MAX_BATCH=$fused "$carry/bin/gpu_retrieval_benchmark" \
      --benchmark_filter='^search/1M/fp(32|16)/batch:(1|8)/' 2>&1 | tee -a "$out/sweep.txt"
  done
  for tile in 8 16 32 64 128 256; do
    echo "== FEEDRANK_SCORE_TILE_MB=$tile" | tee -a "$out/sweep.txt"
    limited "${ours_env[@]}" FEEDRANK_SCORE_TILE_MB=$tile "$carry/bin/gpu_retrieval_benchmark" \
      --benchmark_filter='^(search|gemm_only)/10M/fp32/batch:1024' 2>&1 | tee -a "$out/sweep.txt"
  done
fi
# Unpacks the server carry into a fresh $server_dir, with $server_env to run its programs.
unpack_server_carry() {
  server_dir=$(mktemp -d)
  local server_tar=${SERVER_CARRY:-build-gpu-sm90/server-carry}/server.tar.xz
  xz -dc "$server_tar" 2>/dev/null | tar -xf - -C "$server_dir" ||
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
      "$server_tar" "$server_dir"
  server_env=(env LD_LIBRARY_PATH="$server_dir/lib${cublas_dir:+:$cublas_dir}")
}
if [[ " $parts " == *" server "* ]]; then
  unpack_server_carry
  echo "== ingest_benchmark BM_IngestIndexed, exact CPU scan and GPU" | tee -a "$out/server.txt"
  limited "${server_env[@]}" "$server_dir/bin/ingest_benchmark" \
    --benchmark_filter="${INGEST_FILTER:-BM_IngestIndexed/posts:1000000/index:(0|2)/rebuild:0}" \
    --benchmark_out="$out/ingest.json" --benchmark_out_format=json 2>&1 | tee -a "$out/server.txt"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  store=$(mktemp -d)
  for mix in algo nearest; do
    for backend in cpu gpu; do
      echo "== feedrank-load --mix $mix=1, --backend $backend" | tee -a "$out/server.txt"
      limited "${server_env[@]}" "$server_dir/bin/feedrank-load" \
        --server-binary "$server_dir/bin/feedrank-server" --data-dir "$store" \
        --users "${LOAD_USERS:-100000}" --posts "${LOAD_POSTS:-1000000}" --loop closed \
        --callers 32 --mix "$mix=1" --warmup 3 --duration 10 --server-args "--backend $backend --impression-log off" 2>&1 |
        tee -a "$out/server.txt"
      if [ "${PIPESTATUS[0]}" -ne 0 ]; then
        status=1
        tail -n 20 "$store/server.stderr" 2>&1 | tee -a "$out/server.txt"
      fi
    done
  done
  # The GPU server's own view: its stats and the GPU lines of its Prometheus metrics.
  echo "== feedrank-server --backend gpu: stats and /metrics" | tee -a "$out/server.txt"
  "${server_env[@]}" "$server_dir/bin/feedrank-server" --listen 127.0.0.1:50990 \
    --metrics-listen 127.0.0.1:50991 --data-dir "$store/server" --backend gpu \
    --impression-log off >>"$out/server.txt" 2>&1 &
  server_pid=$!
  limited python3 - <<'PY' 2>&1 | tee -a "$out/server.txt"
import time, urllib.request
for _ in range(120):
    try:
        text = urllib.request.urlopen("http://127.0.0.1:50991/metrics", timeout=2).read().decode()
        break
    except OSError:
        time.sleep(0.5)
else:
    raise SystemExit("no /metrics after 60 s")
for line in text.splitlines():
    if line.startswith(("feedrank_gpu", "feedrank_index", "feedrank_retrieval", "feedrank_store")):
        print(line)
PY
  "${server_env[@]}" "$server_dir/bin/feedrank" --server 127.0.0.1:50990 stats --memory 2>&1 |
    tee -a "$out/server.txt"
  kill -TERM "$server_pid"
  wait "$server_pid"
  rm -rf "$server_dir" "$store"
fi
if [[ " $parts " == *" two-cores "* ]]; then
  unpack_server_carry
  cores=${TWO_CORES:-0,1}
  log=$out/two_cores.txt
  echo "== host: $(nproc) cores; these runs: taskset -c $cores" | tee -a "$log"
  echo "== ingest_benchmark on cores $cores" | tee -a "$log"
  limited taskset -c "$cores" "${server_env[@]}" "$server_dir/bin/ingest_benchmark" \
    --benchmark_filter="${TWO_CORES_INGEST_FILTER:-BM_Ingest/posts:1000000/chunk:1000/streams:1|BM_IngestIndexed/posts:1000000/index:0/rebuild:0}" \
    --benchmark_counters_tabular=true 2>&1 | tee -a "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  store=$(mktemp -d)
  load=("${server_env[@]}" "$server_dir/bin/feedrank-load" --server-binary
    "$server_dir/bin/feedrank-server" --data-dir "$store" --users "${LOAD_USERS:-100000}"
    --posts "${LOAD_POSTS:-1000000}")
  echo "== the store, built on every core (not measured)" | tee -a "$log"
  limited "${load[@]}" --loop open --rate 10 --warmup 0 --duration 1 2>&1 | tail -n 3 | tee -a "$log"
  for step in "chrono 20000" "algo 1000"; do
    read -r mix rate <<<"$step"
    echo "== feedrank-load --mix $mix=1 --rate $rate, 100 write calls/s of 10 items, cores $cores" |
      tee -a "$log"
    limited taskset -c "$cores" "${load[@]}" --loop open --rate "$rate" --mix "$mix=1" \
      --write-rate 100 --write-batch 10 --warmup 5 --duration 20 2>&1 | tee -a "$log"
    if [ "${PIPESTATUS[0]}" -ne 0 ]; then
      status=1
      tail -n 20 "$store/server.stderr" 2>&1 | tee -a "$log"
    fi
  done
  rm -rf "$server_dir" "$store"
fi
: >"$out/comparison.txt"
if [ -s "$out/gpu_benchmark.json" ] || [ -s "$out/scoring_benchmark.json" ] ||
  [ -s "$out/als_benchmark.json" ] || [ -s "$out/torch_als_peer.json" ]; then
  python3 benchmarks/gpu/compare.py "$out/gpu_benchmark.json" "$out/torch_peer.json" \
    "$out/scoring_benchmark.json" --als "$out/als_benchmark.json" \
    --torch-als "$out/torch_als_peer.json" 2>&1 | tee "$out/comparison.txt"
fi
# At most 8 files: torch_als_peer.json joins torch_peer.json when both are there.
if [ -s "$out/torch_peer.json" ] && [ -s "$out/torch_als_peer.json" ]; then
  python3 - "$out/torch_peer.json" "$out/torch_als_peer.json" <<'PY' && rm -f "$out/torch_als_peer.json"
import json, sys
peer = json.load(open(sys.argv[1]))
peer["als"] = json.load(open(sys.argv[2]))["als"]
json.dump(peer, open(sys.argv[1], "w"), indent=1)
PY
fi
exit $status
