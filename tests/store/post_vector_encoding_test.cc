// How RocksDbStore keeps a post's vector: at half precision when that loses no bit, else as
// floats; either way a replay gives back the same bits.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "common/half_float.h"
#include "store/durable_store.h"
#include "tests/support/temp_dir.h"

namespace feedrank::store {
namespace {

class CollectPosts final : public StoreVisitor {
 public:
  std::vector<StoredPost> posts;
  void on_checkpoint(Sequence) override {}
  void on_user(User) override {}
  void on_post(StoredPost post) override { posts.push_back(std::move(post)); }
  void on_follow(const Follow&) override {}
  void on_engagement(const StoredEngagement&) override {}
  void on_user_state(UserId, Sequence, std::string) override {}
};

// Values spread over [-1, 1): whole halves when `halves`, else floats no half holds.
std::vector<float> vector_of(PostId id, bool halves) {
  std::vector<float> values(128);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const float value = static_cast<float>((id * 131 + i * 17) % 2000) / 1000.0f - 1.0f;
    values[i] = halves ? round_to_half(value) : value;
  }
  if (!halves) values[0] = 0.1f;  // surely not a half, whatever the rest are
  return values;
}

std::vector<StoredPost> posts_with(bool halves, PostId count) {
  std::vector<StoredPost> posts;
  for (PostId id = 1; id <= count; ++id) {
    StoredPost stored;
    stored.post.id = id;
    stored.post.author = 1;
    stored.post.text = "text";
    stored.post.created_at = static_cast<TimestampMs>(id);
    stored.post.embedding = vector_of(id, halves);
    stored.sequence = id;
    posts.push_back(std::move(stored));
  }
  return posts;
}

std::uintmax_t directory_bytes(const std::filesystem::path& directory) {
  std::uintmax_t bytes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(directory)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  return bytes;
}

// Writes `posts` into a new store in `directory`, closes it, and returns what a replay reads.
std::vector<StoredPost> write_and_replay(const std::string& directory,
                                         const std::vector<StoredPost>& posts) {
  {
    auto store = open_rocksdb_store(directory);
    EXPECT_TRUE(store.ok()) << store.status();
    std::vector<StoreMutation> mutations(posts.begin(), posts.end());
    EXPECT_TRUE((*store)->commit(mutations).ok());
  }
  auto store = open_rocksdb_store(directory);
  EXPECT_TRUE(store.ok()) << store.status();
  CollectPosts visitor;
  EXPECT_TRUE((*store)->replay(visitor).ok());
  return visitor.posts;
}

void expect_same_bits(const std::vector<StoredPost>& read, const std::vector<StoredPost>& written) {
  ASSERT_EQ(read.size(), written.size());
  for (std::size_t p = 0; p < read.size(); ++p) {
    const std::vector<float>& got = read[p].post.embedding;
    const std::vector<float>& want = written[p].post.embedding;
    ASSERT_EQ(got.size(), want.size()) << "post " << p;
    for (std::size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(std::bit_cast<std::uint32_t>(got[i]), std::bit_cast<std::uint32_t>(want[i]))
          << "post " << p << " value " << i;
    }
  }
}

TEST(PostVectorEncoding, HalvesAndFloatsReadBackBitForBitAndHalvesTakeFewerBytes) {
  testing::TempDir dir;
  constexpr PostId kPosts = 2'000;
  const std::vector<StoredPost> halves = posts_with(true, kPosts);
  const std::vector<StoredPost> floats = posts_with(false, kPosts);
  expect_same_bits(write_and_replay(dir.sub("halves"), halves), halves);
  expect_same_bits(write_and_replay(dir.sub("floats"), floats), floats);
  // 256 against 512 bytes of vector a post; the rest (text, keys, RocksDB's files) is small.
  EXPECT_LT(directory_bytes(dir.sub("halves")), directory_bytes(dir.sub("floats")) * 0.65);
}

TEST(PostVectorEncoding, ATombstoneKeepsItsVector) {
  testing::TempDir dir;
  std::vector<StoredPost> posts = posts_with(true, 2);
  posts[1].deleted = true;
  posts[1].post.text.clear();
  expect_same_bits(write_and_replay(dir.sub("db"), posts), posts);
}

}  // namespace
}  // namespace feedrank::store
