# Debian bookworm packages; scripts/setup.sh installs them.
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(RocksDB CONFIG REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(OpenMP REQUIRED)                   # before faiss: its exported target uses OpenMP
find_package(faiss REQUIRED)                    # faiss (Debian's 1.7.3: static, CPU only)
find_package(ICU REQUIRED COMPONENTS uc)        # ICU::uc
find_package(PkgConfig REQUIRED)
pkg_check_modules(xxhash REQUIRED IMPORTED_TARGET libxxhash)  # PkgConfig::xxhash
pkg_check_modules(httplib REQUIRED IMPORTED_TARGET cpp-httplib)  # PkgConfig::httplib
if(FEEDRANK_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(FEEDRANK_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
