// The RocksDB store on a disk that fills and then has room again (a file system that refuses
// every append while "full", as ENOSPC does): the write that meets the full disk is refused with
// RESOURCE_EXHAUSTED and nothing of it is stored; later refusals say what brings writes back;
// with room again RocksDB's own recovery lets them through, and nothing refused is stored.
#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <memory>
#include <string>
#include <vector>

#include "store/durable_store.h"
#include "tests/store/stored_users.h"
#include "tests/support/temp_dir.h"

namespace feedrank::store {
namespace {

class FillingFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  FillingFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FillingFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* debug) override {
    std::unique_ptr<rocksdb::FSWritableFile> real;
    rocksdb::IOStatus status = target()->NewWritableFile(name, options, &real, debug);
    if (status.ok()) *file = std::make_unique<FillingFile>(std::move(real), full_);
    return status;
  }

  std::atomic<bool> full_{false};

 private:
  class FillingFile final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    FillingFile(std::unique_ptr<rocksdb::FSWritableFile> file, const std::atomic<bool>& full)
        : FSWritableFileOwnerWrapper(std::move(file)), full_(full) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* debug) override {
      if (full_) return rocksdb::IOStatus::NoSpace("the test's disk is full");
      return FSWritableFileOwnerWrapper::Append(data, options, debug);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* debug) override {
      if (full_) return rocksdb::IOStatus::NoSpace("the test's disk is full");
      return FSWritableFileOwnerWrapper::Append(data, options, info, debug);
    }

   private:
    const std::atomic<bool>& full_;
  };
};

TEST(RocksDbFullDisk, AWriteOnAFullDiskIsRefusedAndWritesComeBackOnceThereIsRoom) {
  testing::TempDir dir;
  auto file_system = std::make_shared<FillingFileSystem>();
  const std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(file_system);
  {
    auto store = open_rocksdb_store(dir.sub("db"), env.get());
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE(write_test_user(**store, 1).ok());

    file_system->full_ = true;
    const absl::Status full = write_test_user(**store, 2);
    EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted) << full;
    EXPECT_NE(full.message().find("nothing of it was stored"), std::string::npos) << full;
    // Still full: refused, saying what will bring writes back.
    const absl::Status still = write_test_user(**store, 3);
    EXPECT_FALSE(still.ok());
    EXPECT_NE(still.message().find("until the disk has 64 MiB free and RocksDB recovers, within "
                                   "seconds, or the server restarts"),
              std::string::npos)
        << still;
    // Room again: RocksDB's own recovery lets writes through within its retry period.
    file_system->full_ = false;
    absl::Status after = absl::UnknownError("not tried");
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!after.ok() && std::chrono::steady_clock::now() < give_up) {
      after = write_test_user(**store, 4);
      if (!after.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(after.ok()) << after;
    EXPECT_EQ(stored_user_ids(**store), (std::vector<UserId>{1, 4}));
  }
  // Opened again: what was refused is not there, what was acknowledged is.
  auto again = open_rocksdb_store(dir.sub("db"), env.get());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(stored_user_ids(**again), (std::vector<UserId>{1, 4}));
}

}  // namespace
}  // namespace feedrank::store
