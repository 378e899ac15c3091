#!/usr/bin/env bash
# Builds, here, what benchmarks/gpu/run.sh runs on the lent GPU machine (which has CUDA 13 but
# none of Debian's libraries): the GPU tests and the benchmarks for sm_90 (H100/H200), Release,
# into $BUILD_DIR (default build-gpu-sm90); then copies the binaries and the shared libraries
# they need into $BUILD_DIR/carry/{bin,lib}. That folder is the one to carry:
#
#   run(command="bash benchmarks/gpu/run.sh", carry=["build-gpu-sm90/carry"])
#
# Not copied: the C/C++ runtime (the GPU machine's own is newer) and cuBLAS (opened at run time,
# not linked; libcublasLt alone is 540 MB; run.sh puts the machine's CUDA 13 copy on
# LD_LIBRARY_PATH). Copied besides the binaries' other
# libraries: the ALS CPU twin's BLAS, Debian's libblas.so.3 (OpenBLAS's, through the alternatives
# link) with libopenblas.so.0 and its Fortran runtime; and HetRec Last.fm's user_artists.dat
# ($SHARED_DATA_DIR, default ../shared/data) into carry/data for the ALS benchmark. The carry
# must stay under 60 MiB (a run takes 64 MiB along at most), so libopenblas.so.0 (36 MB, kernels
# for every x86 CPU) travels gzipped (10 MB) and run.sh unpacks it on the GPU machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-build-gpu-sm90}
shared_data=${SHARED_DATA_DIR:-../shared/data}
targets="kernels_gpu_index_test kernels_feature_scorer_gpu_test kernels_gpu_emulation_test
  kernels_als_solver_gpu_test gpu_retrieval_benchmark gpu_scoring_benchmark gpu_als_benchmark"
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
system='^(linux-vdso|ld-linux|libc|libm|libstdc\+\+|libgcc_s|libpthread|libdl|librt)\.'
for bin in "$carry"/bin/*; do
  ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | while read -r name path; do
    if ! [[ $name =~ $system ]]; then cp -L "$path" "$carry/lib/$name"; fi
  done
done
for blas in libblas.so.3 libopenblas.so.0; do
  if [ ! -f "$carry/lib/$blas" ]; then
    echo "build_carry: $blas missing from $carry/lib (is gpu_als_benchmark linked to BLAS?)" >&2
    exit 1
  fi
done
gzip -9 -n "$carry/lib/libopenblas.so.0"
mkdir -p "$carry/data"
if [ -f "$shared_data/lastfm-2k/user_artists.dat" ]; then
  cp "$shared_data/lastfm-2k/user_artists.dat" "$carry/data/"
else
  echo "build_carry: no $shared_data/lastfm-2k/user_artists.dat: the ALS benchmark's Last.fm cases will skip" >&2
fi
mib=$(du -sm "$carry" | cut -f1)
echo "build_carry: $(ls "$carry/lib" | wc -l) libraries; ${mib} MiB in $carry"
du -sm "$carry"/bin "$carry"/lib "$carry"/data
if [ "$mib" -ge 60 ]; then
  echo "build_carry: $carry is ${mib} MiB, over the 60 MiB budget" >&2
  exit 1
fi
