// RocksDB's text log, written by the service's own logger in both databases
// (store/rocksdb_info_log.h): bounded to LOG and LOG.old however often they are opened or however
// much they log, and a log that cannot be written (a full disk) drops its lines instead of
// ending the process, while the store goes on working.
#include "store/rocksdb_info_log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdarg>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "store/durable_store.h"
#include "store/impression_log.h"
#include "tests/store/stored_users.h"
#include "tests/support/temp_dir.h"

namespace feedrank::store {
namespace {

// LOG and LOG.* in `directory`.
std::size_t info_log_files(const std::filesystem::path& directory) {
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (entry.path().filename().string().starts_with("LOG")) ++files;
  }
  return files;
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void log_line(rocksdb::Logger& log, const char* format, ...) {
  va_list ap;
  va_start(ap, format);
  log.Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  va_end(ap);
}

// Opens and closes the database in `directory` more times than the bound: every open succeeds,
// RocksDB writes its lines to LOG, and no other info log file appears.
// Old logs of RocksDB's own naming (what earlier versions of the service left) are removed.
void check_bounded_after_reopens(const std::filesystem::path& directory,
                                 const std::function<bool()>& open_and_close) {
  std::filesystem::create_directories(directory);
  for (int i = 0; i < 12; ++i) {
    std::ofstream(directory / ("LOG.old.17000000000000" + std::to_string(10 + i))) << "old\n";
  }
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(open_and_close()) << "open " << i;
  EXPECT_GE(info_log_files(directory), 1u);
  EXPECT_LE(info_log_files(directory), kInfoLogFilesKept);
  EXPECT_NE(read_all(directory / "LOG").find("RocksDB version"), std::string::npos);
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

TEST(RocksDbInfoLog, RollsToLogOldPastItsSize) {
  testing::TempDir dir;
  constexpr std::size_t kRoll = 4096;
  InfoLog log(dir.path(), kRoll);
  for (int i = 0; i < 1000; ++i) log_line(log, "line %d of a long run", i);
  EXPECT_EQ(info_log_files(dir.path()), 2u);
  EXPECT_LE(std::filesystem::file_size(dir.path() / "LOG"), kRoll);
  EXPECT_LE(std::filesystem::file_size(dir.path() / "LOG.old"), kRoll);
  EXPECT_NE(read_all(dir.path() / "LOG").find("line 999 of a long run\n"), std::string::npos);
  EXPECT_EQ(log.dropped_lines(), 0u);
}

// RocksDB logs from its many threads at once: every line lands whole, on a line of its own,
// across rolls (ThreadSanitizer runs this).
TEST(RocksDbInfoLog, LinesFromManyThreadsLandWholeAcrossRolls) {
  testing::TempDir dir;
  InfoLog log(dir.path(), 64 << 10);
  constexpr int kThreads = 4;
  constexpr int kLines = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kLines; ++i) log_line(log, "thread %d line %d end", t, i);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(log.dropped_lines(), 0u);
  std::istringstream text(read_all(dir.path() / "LOG.old") + read_all(dir.path() / "LOG"));
  int whole = 0;
  for (std::string line; std::getline(text, line);) {
    EXPECT_TRUE(line.ends_with(" end")) << line;
    whole += line.find(" thread ") != std::string::npos;
  }
  EXPECT_GT(whole, 0);
  EXPECT_LE(whole, kThreads * kLines);  // the rolls before the last pair dropped older files
}

// A LOG that could not be opened (here its directory was missing) is opened again once it can
// be, so logging comes back with the resource.
TEST(RocksDbInfoLog, ALogThatCouldNotBeOpenedIsOpenedAgainLater) {
  testing::TempDir dir;
  const std::filesystem::path directory = dir.path() / "later";
  InfoLog log(directory);
  log_line(log, "dropped");
  EXPECT_EQ(log.dropped_lines(), 1u);
  std::filesystem::create_directories(directory);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // it tries once a second
  log_line(log, "written");
  EXPECT_EQ(log.dropped_lines(), 1u);
  EXPECT_NE(read_all(directory / "LOG").find("written\n"), std::string::npos);
}

// LOG on a device that is always full (/dev/full answers every write with ENOSPC): the lines are
// dropped and counted, and a store whose LOG it is opens, writes and reads back.
TEST(RocksDbInfoLog, ALogThatCannotBeWrittenDropsLinesAndTheStoreWorksOn) {
  testing::TempDir dir;
  const std::filesystem::path directory = dir.sub("db");
  std::filesystem::create_directories(directory);
  std::filesystem::create_symlink("/dev/full", directory / "LOG");
  {
    InfoLog log(directory);
    for (int i = 0; i < 100; ++i) log_line(log, "line %d", i);
    EXPECT_EQ(log.dropped_lines(), 100u);
  }
  auto store = open_rocksdb_store(directory.string());
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE(write_test_user(**store, 7).ok());
  EXPECT_EQ(stored_user_ids(**store), std::vector<UserId>{7});
  EXPECT_TRUE(std::filesystem::is_symlink(directory / "LOG")) << "the log left where it was";
}

}  // namespace
}  // namespace feedrank::store
