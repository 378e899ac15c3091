// Checkpoints skip RocksDB's write-ahead log and are saved in pieces (store/durable_store.cc,
// store/rocksdb_store.cc): a clean close keeps the newest; a crash may lose its newest pieces,
// but never keeps a checkpoint's sequence without its states, nor loses a committed record.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>

#include "rocksdb/db.h"
#include "store/durable_store.h"
#include "stored_records.pb.h"
#include "tests/store/two_checkpoints.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace feedrank::store {
namespace {

using test::Replayed;

Replayed replay(const std::string& directory) {
  auto store = open_rocksdb_store(directory);
  EXPECT_TRUE(store.ok()) << store.status();
  Replayed replayed;
  if (store.ok()) {
    EXPECT_TRUE((*store)->replay(replayed).ok());
  }
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

// Megabytes of states go in several writes: none is lost or repeated between them.
TEST(RocksDbCheckpoint, ALargeCheckpointIsSavedWhole) {
  testing::TempDir dir;
  Checkpoint large(9);
  test::SavedStates expected;
  for (UserId user = 1; user <= 5'000; ++user) {
    const std::string state(300 + user % 700, static_cast<char>('a' + user % 26));
    large.add_copy(user, state);
    expected[user] = {9, state};
  }
  {
    auto store = open_rocksdb_store(dir.sub("db"));
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->save_checkpoint(large).ok());
  }
  const Replayed replayed = replay(dir.sub("db"));
  EXPECT_EQ(replayed.through, 9u);
  EXPECT_TRUE(replayed.states == expected) << replayed.states.size() << " states";
}

// A process of its own, since it is killed (a fork of this one would inherit RocksDB's thread
// pools without their threads).
// (The writer's second checkpoint is in no flushed memtable when it is killed, so in practice the
// first one is what is left; the test holds either outcome to what it must be.)
TEST(RocksDbCheckpoint, AKillLeavesAConsistentCheckpointAndEveryCommittedRecord) {
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
  if (*replayed.through == 2) {
    EXPECT_EQ(replayed.states, test::kStatesAfterSecond);
    return;
  }
  EXPECT_EQ(replayed.through, 1u);
  // States of the second checkpoint may be kept without its sequence, as their own says.
  for (const auto& [user, saved] : replayed.states) {
    const auto& saved_by = saved.first == 2 ? test::kStatesAfterSecond : test::kStatesAfterFirst;
    const auto expected = saved_by.find(user);
    ASSERT_NE(expected, saved_by.end()) << "user " << user;
    EXPECT_EQ(saved, expected->second) << "user " << user;
  }
  for (const auto& [user, saved] : test::kStatesAfterFirst) {
    EXPECT_TRUE(replayed.states.contains(user)) << "user " << user << " lost its state";
  }
}

// As a rewrite makes it: the second checkpoint survives the kill whole.
TEST(RocksDbCheckpoint, ACheckpointMadeDurableSurvivesAKill) {
  testing::TempDir dir;
  const std::string directory = dir.sub("db");
  const auto stderr_path = dir.path() / "writer.stderr";
  {
    testing::ChildProcess writer({CHECKPOINT_CRASH_WRITER_BIN, directory, "--durable"}, {},
                                 stderr_path);
    ASSERT_TRUE(writer.started()) << writer.start_error();
    ASSERT_EQ(writer.read_line(std::chrono::seconds(30)), "committed")
        << testing::read_file(stderr_path);
    ASSERT_FALSE(writer.kill_and_wait(SIGKILL).exited);
  }
  const Replayed replayed = replay(directory);
  EXPECT_EQ(replayed.through, 2u);
  EXPECT_EQ(replayed.states, test::kStatesAfterSecond);
  EXPECT_EQ(replayed.users, std::set<UserId>{test::kUserAfterSecond});
}

// A store written before states carried their sequence: its states were all saved with its
// checkpoint, and are rewritten once with that checkpoint's sequence.
// The key of a user's state in stores written before states carried their sequence.
std::string legacy_state_key(UserId user) {
  std::string key(1, '\x05');  // the table such states were kept in
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>(user >> shift));
  return key;
}

// The store's RocksDB itself, to write records of the old form.
std::unique_ptr<rocksdb::DB> open_raw(const std::string& directory) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  EXPECT_TRUE(rocksdb::DB::Open(options, directory, &raw).ok());
  return std::unique_ptr<rocksdb::DB>(raw);
}

TEST(RocksDbCheckpoint, StatesWithoutTheirSequenceTakeTheCheckpointsAndAreRewrittenOnce) {
  testing::TempDir dir;
  const std::string directory = dir.sub("db");
  {
    const auto db = open_raw(directory);
    ASSERT_NE(db, nullptr);
    encoding::StoredCheckpoint checkpoint;
    checkpoint.set_through_sequence(5);
    ASSERT_TRUE(db->Put({}, std::string(1, '\x00'), checkpoint.SerializeAsString()).ok());
    ASSERT_TRUE(db->Put({}, legacy_state_key(1), "old 1").ok());
    ASSERT_TRUE(db->Put({}, legacy_state_key(4), "old 4").ok());
  }
  const test::SavedStates expected = {{1, {5, "old 1"}}, {4, {5, "old 4"}}};
  EXPECT_EQ(replay(directory).states, expected);
  {
    const auto db = open_raw(directory);
    ASSERT_NE(db, nullptr);
    std::string value;
    EXPECT_TRUE(db->Get({}, legacy_state_key(1), &value).IsNotFound()) << "not rewritten";
  }
  EXPECT_EQ(replay(directory).states, expected) << "at the second open";
}

// Without the checkpoint's sequence they cannot be placed: they are dropped, and the start
// derives every state again from the records.
TEST(RocksDbCheckpoint, StatesWithoutTheirSequenceOrACheckpointAreDropped) {
  testing::TempDir dir;
  const std::string directory = dir.sub("db");
  {
    const auto db = open_raw(directory);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->Put({}, legacy_state_key(1), "old 1").ok());
  }
  const Replayed replayed = replay(directory);
  EXPECT_FALSE(replayed.through.has_value());
  EXPECT_TRUE(replayed.states.empty());
}

}  // namespace
}  // namespace feedrank::store
