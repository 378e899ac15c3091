#!/usr/bin/env bash
# Installs the Debian bookworm packages feedrank needs. Idempotent: quiet and quick when all
# are present. Run as root (or with sudo available).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libfmt-dev libicu-dev libxxhash-dev
  librocksdb-dev libcli11-dev libspdlog-dev nlohmann-json3-dev
  # FAISS 1.7.3 (static, CPU). It pulls libblas-dev and liblapack-dev, which its CMake target
  # links; OpenBLAS then takes over libblas.so.3 through Debian's alternatives (the reference BLAS
  # is 8-20x slower for batched search and IVF training). OpenMP is GCC's libgomp.
  libfaiss-dev libopenblas0-pthread
  # CBLAS and LAPACK for the CPU ALS solver and the learned model's cold-start projection (the
  # same libraries FAISS pulls in, named because our code calls them directly).
  libblas-dev liblapack-dev
  # cpp-httplib: the HTTP/JSON gateway with its explorer page, and the Prometheus /metrics port.
  libcpp-httplib-dev
  libbenchmark-dev libgtest-dev libgmock-dev
  # Tests: openssl makes the TLS tests' certificates; Chromium (headless, driven over the DevTools
  # protocol with python3-websocket) runs the explorer's browser test; clang's libFuzzer and
  # sanitizer runtimes build the fuzz targets; h2load (nghttp2-client) cross-checks the load
  # generator.
  openssl chromium python3-websocket clang libclang-rt-14-dev nghttp2-client
  # The sanitizer and fuzz builds (clang): OpenMP's omp.h for clang (FAISS's headers need it;
  # gcc has its own) and llvm-symbolizer, which puts file:line in their reports.
  libomp-14-dev llvm-14
  # python3-prometheus-client: Prometheus's own parser checks the /metrics exposition in a test.
  python3-prometheus-client
  python3 python3-grpcio python3-protobuf
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
