#!/usr/bin/env bash
# The fuzz job: builds the libFuzzer targets in fuzz/ with clang (ASan + UBSan, CPU only) in
# build-asan, the ASan job's folder (scripts/asan_build.sh), then runs each for a bounded time
# from its checked-in seed corpus; any crash, leak, sanitizer report or broken invariant fails
# the job and leaves the input under build-asan/artifacts/.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 45)] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/quiet_step.sh
source scripts/asan_build.sh

seconds=${1:-45}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] ||
  targets=(feed_cursor ranking_config experiment_config jsonl_record request_validation http_query)

build_dir=$ASAN_BUILD_DIR
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS="detect_leaks=1"

bash scripts/setup.sh
mkdir -p "$build_dir/artifacts"
echo "fuzz: building in $build_dir (log: $build_dir/fuzz-build.log)"
configure_asan_build
quiet_step "$build_dir/fuzz-build.log" "build" \
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
