#!/usr/bin/env bash
# Builds, here, what benchmarks/gpu/run.sh runs on the lent GPU machine (which has CUDA 13 but
# none of Debian's libraries): the GPU tests and the benchmarks for sm_90 (H100/H200), Release,
# into $BUILD_DIR (default build-gpu-sm90); then copies the binaries and the shared libraries
# they need into $BUILD_DIR/carry/{bin,lib}. That folder is the one to carry:
#
#   run(command="bash benchmarks/gpu/run.sh", carry=["build-gpu-sm90/carry"])
#
# Not copied: the C/C++ runtime (the GPU machine's own is newer) and cuBLAS (libcublasLt alone
# is 540 MB; run.sh finds the machine's CUDA 13 copy).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-build-gpu-sm90}
targets="kernels_gpu_index_test kernels_feature_scorer_gpu_test kernels_gpu_emulation_test
  gpu_retrieval_benchmark gpu_scoring_benchmark"
BUILD_DIR=$build BUILD_TYPE=Release BUILD_TARGETS="$targets" \
  bash scripts/build.sh -DCMAKE_CUDA_ARCHITECTURES=90

carry=$build/carry
rm -rf "$carry"
mkdir -p "$carry/bin" "$carry/lib"
for target in $targets; do
  case $target in
    *_test) cp "$build/tests/kernels/$target" "$carry/bin/" ;;
    *) cp "$build/benchmarks/gpu/$target" "$carry/bin/" ;;
  esac
done
strip --strip-debug "$carry"/bin/*
system='^(linux-vdso|ld-linux|libc|libm|libstdc\+\+|libgcc_s|libpthread|libdl|librt|libcublas|libcublasLt)\.'
for bin in "$carry"/bin/*; do
  ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | while read -r name path; do
    if ! [[ $name =~ $system ]]; then cp -L "$path" "$carry/lib/$name"; fi
  done
done
echo "build_carry: $(ls "$carry/lib" | wc -l) libraries; $(du -sh "$carry" | cut -f1) in $carry"
