#!/usr/bin/env bash
# The fuzz job: builds the libFuzzer targets in fuzz/ with clang (ASan + UBSan, CPU only) in
# build-fuzz, then runs each for a bounded time from its checked-in seed corpus; any crash, leak,
# sanitizer report or broken invariant fails the job and leaves the input under
# build-fuzz/artifacts/. Usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 45)] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/quiet_step.sh

seconds=${1:-45}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] ||
  targets=(feed_cursor ranking_config experiment_config jsonl_record request_validation)

build_dir=build-fuzz
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS="detect_leaks=1"

bash scripts/setup.sh
mkdir -p "$build_dir/artifacts"
echo "fuzz: building in $build_dir (log: $build_dir/build.log)"
quiet_step "$build_dir/configure.log" "configure" \
  env CC=clang-14 CXX=clang++-14 cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DCMAKE_C_FLAGS_DEBUG="-O1 -g1" -DFEEDRANK_FUZZ=ON \
  -DFEEDRANK_SANITIZE=address,undefined -DFEEDRANK_CUDA=OFF -DFEEDRANK_BUILD_TESTS=OFF \
  -DFEEDRANK_BUILD_BENCHMARKS=OFF
quiet_step "$build_dir/build.log" "build" \
  cmake --build "$build_dir" -j "$(nproc)" --target feedrank_fuzzers

failed=0
for target in "${targets[@]}"; do
  # New inputs go to a scratch corpus, so the checked-in seeds stay small and reviewed.
  scratch=$build_dir/corpus/$target
  mkdir -p "$scratch"
  dictionary=()
  [ -f "fuzz/dictionaries/$target.dict" ] && dictionary=(-dict="fuzz/dictionaries/$target.dict")
  quiet_step "$build_dir/$target.log" "fuzz $target (${seconds} s)" \
    "$build_dir/fuzz/${target}_fuzzer" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$build_dir/artifacts/$target-" "${dictionary[@]}" \
    "$scratch" "fuzz/corpus/$target" || failed=1
done
exit "$failed"
