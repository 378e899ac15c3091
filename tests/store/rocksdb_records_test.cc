// Records read back from RocksDB are checked before they reach memory: an enum value this binary
// does not know (a newer binary's data, a bad disk) would index the in-memory per-kind arrays
// out of range, so the start fails with DATA_LOSS naming the key instead.
#include <gtest/gtest.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "rocksdb/db.h"
#include "store/durable_store.h"
#include "stored_records.pb.h"
#include "tests/store/two_checkpoints.h"
#include "tests/support/temp_dir.h"

namespace feedrank::store {
namespace {

constexpr char kPostTable = '\x02';
constexpr char kEngagementTable = '\x04';
// An engagement key: table, post (8 bytes), user (8), kind (1), time (8).
constexpr std::size_t kEngagementKindOffset = 1 + 8 + 8;

// A store with one user, one post and one like of it.
void write_store(const std::string& directory) {
  auto store = open_rocksdb_store(directory);
  ASSERT_TRUE(store.ok()) << store.status();
  Post post;
  post.id = 100;
  post.author = 1;
  post.created_at = 10;
  post.text = "hello";
  const std::vector<StoreMutation> mutations = {
      User{1, "one", 0}, StoredPost{post, false, 2},
      StoredEngagement{Engagement{1, 100, EngagementKind::kLike, 20}, 3}};
  ASSERT_TRUE((*store)->commit(std::span(mutations)).ok());
}

std::unique_ptr<rocksdb::DB> open_raw(const std::string& directory) {
  rocksdb::DB* raw = nullptr;
  EXPECT_TRUE(rocksdb::DB::Open(rocksdb::Options{}, directory, &raw).ok());
  return std::unique_ptr<rocksdb::DB>(raw);
}

// The one record of `table`, rewritten by `edit(key, value)`.
template <class Edit>
void rewrite_record(const std::string& directory, char table, Edit edit) {
  const auto db = open_raw(directory);
  ASSERT_NE(db, nullptr);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator({}));
  it->Seek(std::string(1, table));
  ASSERT_TRUE(it->Valid() && it->key()[0] == table) << "no record of table " << int{table};
  const std::string old_key = it->key().ToString();
  std::string key = old_key;
  std::string value = it->value().ToString();
  it.reset();
  edit(key, value);
  ASSERT_TRUE(db->Delete({}, old_key).ok());
  ASSERT_TRUE(db->Put({}, key, value).ok());
}

absl::Status replay_status(const std::string& directory) {
  auto store = open_rocksdb_store(directory);
  if (!store.ok()) return store.status();
  test::Replayed replayed;
  return (*store)->replay(replayed);
}

TEST(RocksDbRecords, AnUntouchedStoreReplays) {
  testing::TempDir dir;
  write_store(dir.sub("db"));
  EXPECT_TRUE(replay_status(dir.sub("db")).ok());
}

TEST(RocksDbRecords, AnEngagementKindThisBinaryDoesNotKnowIsDataLoss) {
  testing::TempDir dir;
  write_store(dir.sub("db"));
  rewrite_record(dir.sub("db"), kEngagementTable, [](std::string& key, std::string&) {
    ASSERT_GT(key.size(), kEngagementKindOffset);
    ASSERT_EQ(key[kEngagementKindOffset], static_cast<char>(EngagementKind::kLike));
    key[kEngagementKindOffset] = 4;
  });
  const absl::Status status = replay_status(dir.sub("db"));
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_NE(status.message().find("corrupt store record"), std::string::npos) << status;
}

TEST(RocksDbRecords, APostVisibilityThisBinaryDoesNotKnowIsDataLoss) {
  testing::TempDir dir;
  write_store(dir.sub("db"));
  rewrite_record(dir.sub("db"), kPostTable, [](std::string&, std::string& value) {
    encoding::StoredPost record;
    ASSERT_TRUE(record.ParseFromString(value));
    record.set_visibility(2);
    value = record.SerializeAsString();
  });
  const absl::Status status = replay_status(dir.sub("db"));
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
}

}  // namespace
}  // namespace feedrank::store
