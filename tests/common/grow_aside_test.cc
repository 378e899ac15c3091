#include "common/grow_aside.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "absl/container/flat_hash_map.h"

namespace feedrank {
namespace {

using Map = absl::flat_hash_map<std::uint64_t, std::uint64_t>;

Map numbered(std::uint64_t keys) {
  Map map;
  for (std::uint64_t key = 0; key < keys; ++key) map[key * 7919] = key;
  return map;
}

TEST(GrowAside, TheCopyHoldsEveryKeyAndTakesTheBatchWithoutARehash) {
  Map map = numbered(10'000);
  const std::size_t more = map.capacity();  // surely past the load limit
  std::optional<Map> grown = grown_copy(map, more);
  ASSERT_TRUE(grown.has_value());
  EXPECT_EQ(*grown, map);
  EXPECT_EQ(map.size(), 10'000u) << "the original is only read";

  take_grown(map, grown);
  ASSERT_TRUE(grown.has_value());
  EXPECT_EQ(grown->size(), 10'000u) << "the old table is left to free after the lock";
  const std::size_t capacity = map.capacity();
  for (std::uint64_t key = 0; key < more; ++key) map[(1u << 30) + key] = key;
  EXPECT_EQ(map.capacity(), capacity) << "the batch's inserts rehashed the map";
  EXPECT_EQ(map.at(9'999 * 7919), 9'999u);
}

TEST(GrowAside, NoCopyWhenTheBatchFits) {
  Map map = numbered(1'000);
  const std::size_t room = map.capacity() - map.capacity() / 8 - map.size();
  EXPECT_FALSE(grown_copy(map, room).has_value());
  EXPECT_FALSE(grown_copy(map, 0).has_value());
  std::optional<Map> none;
  take_grown(map, none);
  EXPECT_EQ(map.size(), 1'000u);
  // Exactly the inserts that fit: the map keeps its capacity without a copy.
  const std::size_t capacity = map.capacity();
  for (std::uint64_t key = 0; key < room; ++key) map[(1u << 30) + key] = key;
  EXPECT_EQ(map.capacity(), capacity);
  EXPECT_TRUE(grown_copy(map, 1).has_value()) << "one more would rehash";
}

}  // namespace
}  // namespace feedrank
