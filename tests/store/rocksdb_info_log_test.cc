// Both RocksDB databases keep a bounded number of their own text logs however often they are
// opened (store/rocksdb_info_log.h).
#include "store/rocksdb_info_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

#include "store/durable_store.h"
#include "store/impression_log.h"
#include "tests/support/temp_dir.h"

namespace feedrank::store {
namespace {

// LOG and LOG.old.* in `directory`.
std::size_t info_log_files(const std::string& directory) {
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (entry.path().filename().string().starts_with("LOG")) ++files;
  }
  return files;
}

// Opens and closes the database in `directory` more times than the bound, checking that every
// open succeeds, then that the bound held (each open starts a new LOG).
void check_bounded_after_reopens(const std::string& directory,
                                 const std::function<bool()>& open_and_close) {
  constexpr std::size_t kOpens = kInfoLogFilesKept + 5;
  for (std::size_t i = 0; i < kOpens; ++i) ASSERT_TRUE(open_and_close()) << "open " << i;
  const std::size_t files = info_log_files(directory);
  EXPECT_GE(files, 2u) << "the opens should have left a LOG and old ones";
  EXPECT_LE(files, kInfoLogFilesKept);
}

TEST(RocksDbInfoLog, TheStoreKeepsABoundedNumberAcrossReopens) {
  testing::TempDir dir;
  const std::string directory = dir.sub("db");
  check_bounded_after_reopens(directory, [&] { return open_rocksdb_store(directory).ok(); });
}

TEST(RocksDbInfoLog, TheImpressionLogKeepsABoundedNumberAcrossReopens) {
  testing::TempDir dir;
  const std::string directory = dir.sub("impressions");
  check_bounded_after_reopens(directory,
                              [&] { return open_rocksdb_impression_log(directory).ok(); });
}

}  // namespace
}  // namespace feedrank::store
