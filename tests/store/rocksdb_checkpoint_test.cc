// Checkpoints skip RocksDB's write-ahead log (store/rocksdb_store.cc): a clean close keeps the
// newest, and a crash loses checkpoints whole, never half of one, and never a committed record.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <optional>
#include <set>
#include <span>
#include <string>

#include "store/durable_store.h"
#include "tests/store/two_checkpoints.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace feedrank::store {
namespace {

// What a replay hands back: the checkpoint and the users.
struct Replayed : StoreVisitor {
  std::optional<Sequence> through;
  std::map<UserId, std::string> states;
  std::set<UserId> users;

  void on_checkpoint(Sequence sequence) override { through = sequence; }
  void on_user(User user) override { users.insert(user.id); }
  void on_post(StoredPost) override {}
  void on_follow(const Follow&) override {}
  void on_engagement(const StoredEngagement&) override {}
  void on_user_state(UserId user, std::string state) override { states[user] = std::move(state); }
};

Replayed replay(const std::string& directory) {
  auto store = open_rocksdb_store(directory);
  EXPECT_TRUE(store.ok()) << store.status();
  Replayed replayed;
  if (store.ok()) EXPECT_TRUE((*store)->replay(replayed).ok());
  return replayed;
}

TEST(RocksDbCheckpoint, ACleanCloseKeepsTheNewestCheckpoint) {
  testing::TempDir dir;
  {
    auto store = open_rocksdb_store(dir.sub("db"));
    ASSERT_TRUE(store.ok()) << store.status();
    const StoreMutation user = User{1, "one", 0};
    ASSERT_TRUE((*store)->commit(std::span(&user, 1)).ok());
    ASSERT_TRUE((*store)->save_checkpoint(test::kFirstCheckpoint).ok());
    ASSERT_TRUE((*store)->save_checkpoint(test::kSecondCheckpoint).ok());
  }
  const Replayed replayed = replay(dir.sub("db"));
  EXPECT_EQ(replayed.through, 2u);
  EXPECT_EQ(replayed.states, test::kStatesAfterSecond);
  EXPECT_EQ(replayed.users, std::set<UserId>{1});
}

// A process of its own, since it is killed (a fork of this one would inherit RocksDB's thread
// pools without their threads).
TEST(RocksDbCheckpoint, AKillLeavesAWholeCheckpointAndEveryCommittedRecord) {
  testing::TempDir dir;
  const std::string directory = dir.sub("db");
  const auto stderr_path = dir.path() / "writer.stderr";
  {
    testing::ChildProcess writer({CHECKPOINT_CRASH_WRITER_BIN, directory}, {}, stderr_path);
    ASSERT_TRUE(writer.started()) << writer.start_error();
    ASSERT_EQ(writer.read_line(std::chrono::seconds(30)), "committed")
        << testing::read_file(stderr_path);
    ASSERT_FALSE(writer.kill_and_wait(SIGKILL).exited);
  }

  const Replayed replayed = replay(directory);
  EXPECT_EQ(replayed.users, std::set<UserId>{test::kUserAfterSecond})
      << "the record committed after the second checkpoint";
  ASSERT_TRUE(replayed.through.has_value()) << "the first checkpoint was kept at its close";
  if (*replayed.through == 1) {
    EXPECT_EQ(replayed.states, test::kStatesAfterFirst) << "the second checkpoint, not whole";
  } else {
    EXPECT_EQ(replayed.through, 2u);
    EXPECT_EQ(replayed.states, test::kStatesAfterSecond);
  }
}

}  // namespace
}  // namespace feedrank::store
