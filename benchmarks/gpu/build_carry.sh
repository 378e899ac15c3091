#!/usr/bin/env bash
# Builds, here, what benchmarks/gpu/run.sh runs on the lent GPU machine (which has CUDA 13 but
# none of Debian's libraries), for sm_90 (H100/H200), Release, into $BUILD_DIR (default
# build-gpu-sm90), with the shared libraries the programs need:
#
#   bash benchmarks/gpu/build_carry.sh          the GPU tests and GPU benchmarks, into
#                                               $BUILD_DIR/carry/{bin,lib,data}:
#     run(command="bash benchmarks/gpu/run.sh", carry=["build-gpu-sm90/carry"])
#   bash benchmarks/gpu/build_carry.sh server   the service itself (feedrank-server, the CLI,
#                                               feedrank-load, ingest_benchmark) with gRPC,
#                                               RocksDB, ICU and the rest, packed as
#                                               $BUILD_DIR/server-carry/server.tar.xz:
#     run(command="bash benchmarks/gpu/run.sh server", carry=["build-gpu-sm90/server-carry"])
#
# The two carries travel in separate calls: each must stay under 60 MiB (a call takes 64 MiB
# along at most, the working tree included).
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
mode=${1:-kernels}

# Copies every shared library the programs in $1 load, but the C/C++ runtime, into $2.
copy_libraries() {
  local system='^(linux-vdso|ld-linux|libc|libm|libstdc\+\+|libgcc_s|libpthread|libdl|librt)\.'
  for bin in "$1"/*; do
    ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | while read -r name path; do
      if ! [[ $name =~ $system ]]; then cp -L "$path" "$2/$name"; fi
    done
  done
}

check_size() {
  local mib
  mib=$(du -sm "$1" | cut -f1)
  echo "build_carry: ${mib} MiB in $1"
  if [ "$mib" -ge 60 ]; then
    echo "build_carry: $1 is ${mib} MiB, over the 60 MiB budget" >&2
    exit 1
  fi
}

if [ "$mode" = server ]; then
  targets="feedrank-server feedrank feedrank-load ingest_benchmark"
  BUILD_DIR=$build BUILD_TYPE=Release BUILD_TARGETS="$targets" \
    bash scripts/build.sh -DCMAKE_CUDA_ARCHITECTURES=90
  staging=$(mktemp -d)
  trap 'rm -rf "$staging"' EXIT
  mkdir -p "$staging/bin" "$staging/lib"
  cp "$build/tools/server/feedrank-server" "$build/tools/cli/feedrank" \
    "$build/benchmarks/load/feedrank-load" "$build/benchmarks/ingest_benchmark" "$staging/bin/"
  strip --strip-debug "$staging"/bin/*
  copy_libraries "$staging/bin" "$staging/lib"
  rm -rf "$build/server-carry"
  mkdir -p "$build/server-carry"
  tar -C "$staging" -cf - bin lib | xz -9 -T0 >"$build/server-carry/server.tar.xz"
  echo "build_carry: $(ls "$staging/lib" | wc -l) libraries, $(du -sm "$staging" | cut -f1) MiB unpacked"
  check_size "$build/server-carry"
  exit 0
fi

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
copy_libraries "$carry/bin" "$carry/lib"
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
echo "build_carry: $(ls "$carry/lib" | wc -l) libraries"
du -sm "$carry"/bin "$carry"/lib "$carry"/data
check_size "$carry"
