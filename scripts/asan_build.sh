# Sourced by scripts/sanitize.sh (asan) and scripts/fuzz.sh: one clang build folder for both, so
# that the libraries are compiled once with AddressSanitizer + UndefinedBehaviorSanitizer and
# libFuzzer's coverage hooks (-fsanitize=fuzzer-no-link, FEEDRANK_FUZZ), and the test programs
# and the fuzz targets link the same objects. -O1 with line tables: fast enough to run every
# test, with file:line in every report. CPU only, no benchmarks.
ASAN_BUILD_DIR=build-asan

configure_asan_build() {
  mkdir -p "$ASAN_BUILD_DIR"
  quiet_step "$ASAN_BUILD_DIR/configure.log" "configure" \
    env CC=clang-14 CXX=clang++-14 cmake -S . -B "$ASAN_BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DCMAKE_C_FLAGS_DEBUG="-O1 -g1" \
    -DFEEDRANK_SANITIZE=address,undefined -DFEEDRANK_FUZZ=ON -DFEEDRANK_CUDA=OFF \
    -DFEEDRANK_BUILD_BENCHMARKS=OFF
}
