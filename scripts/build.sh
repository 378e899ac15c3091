#!/usr/bin/env bash
# Installs what is missing, then configures and builds feedrank into ./build (or $BUILD_DIR).
# Extra arguments go to CMake, e.g. -DFEEDRANK_CUDA=OFF; $BUILD_TARGETS limits what is built.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
targets=()
for target in ${BUILD_TARGETS:-}; do targets+=(--target "$target"); done
cmake --build "$build_dir" -j "$(nproc)" "${targets[@]}"
