#!/usr/bin/env bash
# Installs what is missing, then configures and builds feedrank into ./build (or $BUILD_DIR).
# Extra arguments go to CMake, e.g. -DFEEDRANK_CUDA=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
