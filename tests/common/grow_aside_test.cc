#include "common/grow_aside.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace feedrank {
namespace {

using Map = GrownAsideMap<std::uint64_t, std::uint64_t>;

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

TEST(GrowAside, ATableLargeEnoughToBeFaultedInCopiesEveryEntry) {
  Map map = numbered(200'000);  // a table of several MB: FaultedInAllocator faults it in
  std::optional<Map> grown = grown_copy(map, map.capacity());
  ASSERT_TRUE(grown.has_value());
  EXPECT_GT(grown->capacity(), map.capacity());
  EXPECT_EQ(*grown, map);
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

// Inserts new keys until the map holds `keys`.
void fill_to(Map& map, std::size_t keys) {
  for (std::uint64_t key = map.size(); map.size() < keys; ++key) map[key * 7919] = key;
}

TEST(MapGrower, MakesTheNextTableAheadAndGrowsIntoIt) {
  Map map;
  map.reserve(100'000);  // a table of MBs: worth making ahead
  const std::size_t limit = keys_before_growth(map.capacity());
  MapGrower<Map> grower;

  fill_to(map, limit / 2);
  EXPECT_FALSE(grower.grown_copy(map, 1).has_value());
  EXPECT_FALSE(grower.has_table_ahead()) << "half way to the growth is too early";

  fill_to(map, limit / 4 * 3 + 1);
  EXPECT_FALSE(grower.grown_copy(map, 1).has_value());
  EXPECT_TRUE(grower.has_table_ahead()) << "three quarters of the way: the next table is made";
  EXPECT_FALSE(MapGrower<Map>(grower).has_table_ahead()) << "a copy starts without one";

  fill_to(map, limit);
  std::optional<Map> grown = grower.grown_copy(map, 1);
  ASSERT_TRUE(grown.has_value());
  EXPECT_FALSE(grower.has_table_ahead()) << "the growth did not use the table made ahead";
  EXPECT_EQ(*grown, map);
  const std::size_t capacity = grown->capacity();
  for (std::uint64_t key = 0; key < limit; ++key) (*grown)[(1u << 30) + key] = key;
  EXPECT_EQ(grown->capacity(), capacity) << "the copy had no room for as many keys again";
}

TEST(MapGrower, ABatchLargerThanTheTableAheadStillGetsRoom) {
  Map map;
  map.reserve(100'000);
  const std::size_t limit = keys_before_growth(map.capacity());
  MapGrower<Map> grower;
  fill_to(map, limit / 4 * 3 + 1);
  EXPECT_FALSE(grower.grown_copy(map, 1).has_value());
  ASSERT_TRUE(grower.has_table_ahead());

  const std::size_t more = 8 * limit;
  std::optional<Map> grown = grower.grown_copy(map, more);
  ASSERT_TRUE(grown.has_value());
  EXPECT_EQ(*grown, map);
  EXPECT_GE(keys_before_growth(grown->capacity()), map.size() + more);
}

TEST(MapGrower, SmallMapsAreGrownWithoutATableAhead) {
  Map map = numbered(1'000);
  MapGrower<Map> grower;
  fill_to(map, keys_before_growth(map.capacity()));
  EXPECT_FALSE(grower.has_table_ahead());
  std::optional<Map> grown = grower.grown_copy(map, 1);
  ASSERT_TRUE(grown.has_value());
  EXPECT_EQ(*grown, map);
  EXPECT_FALSE(grower.has_table_ahead());
}

}  // namespace
}  // namespace feedrank
