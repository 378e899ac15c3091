// The cache of ranked lists behind algorithmic cursors, on an explicit clock.
#include "ranker/ranked_list_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>

namespace feedrank::ranker {
namespace {

using Clock = RankedListCache::Clock;
using std::chrono::milliseconds;
using std::chrono::minutes;

const Clock::time_point kT0 = Clock::time_point() + std::chrono::hours(1000);

std::shared_ptr<const RankedList> list_of(UserId viewer, std::size_t entries = 100) {
  auto list = std::make_shared<RankedList>();
  list->viewer = viewer;
  list->entries.resize(entries);
  for (std::size_t i = 0; i < entries; ++i) list->entries[i].candidate.post = i + 1;
  return list;
}

// What one list_of(viewer, entries) costs the cache.
std::size_t bytes_of_one(std::size_t entries = 100) {
  RankedListCache cache;
  cache.put(list_of(1, entries), kT0);
  return cache.bytes();
}

TEST(RankedListCache, GetReturnsTheListPut) {
  RankedListCache cache;
  const auto a = list_of(7);
  const auto b = list_of(8);
  const auto id_a = cache.put(a, kT0);
  const auto id_b = cache.put(b, kT0);
  EXPECT_NE(id_a, 0u);
  EXPECT_NE(id_b, 0u);
  EXPECT_NE(id_a, id_b);
  EXPECT_EQ(cache.get(id_a, kT0), a);
  EXPECT_EQ(cache.get(id_b, kT0 + milliseconds(1)), b);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_GT(cache.bytes(), 0u);
}

TEST(RankedListCache, AnUnknownIdIsNull) {
  RankedListCache cache;
  const auto id = cache.put(list_of(7), kT0);
  EXPECT_EQ(cache.get(id + 1, kT0), nullptr);
  EXPECT_EQ(cache.get(0, kT0), nullptr);
}

TEST(RankedListCache, IdsAreDistinctAndNeverZero) {
  RankedListCache cache({.max_bytes = std::size_t{1} << 30});
  std::set<std::uint64_t> ids;
  for (int i = 0; i < 1000; ++i) {
    const auto id = cache.put(list_of(1, 1), kT0);
    EXPECT_NE(id, 0u);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(RankedListCache, AListExpiresAfterTheTtl) {
  RankedListCache cache({.ttl = minutes(10)});
  const auto list = list_of(7);
  const auto id = cache.put(list, kT0);
  EXPECT_EQ(cache.get(id, kT0 + minutes(10)), list);  // exactly the TTL: still there
  EXPECT_EQ(cache.get(id, kT0 + minutes(10) + milliseconds(1)), nullptr);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(RankedListCache, UsingAListDoesNotExtendItsTtl) {
  RankedListCache cache({.ttl = minutes(10)});
  const auto id = cache.put(list_of(7), kT0);
  ASSERT_NE(cache.get(id, kT0 + minutes(9)), nullptr);
  EXPECT_EQ(cache.get(id, kT0 + minutes(11)), nullptr);
}

TEST(RankedListCache, APutExpiresOldListsToo) {
  RankedListCache cache({.ttl = minutes(10)});
  const auto old_id = cache.put(list_of(7), kT0);
  const auto new_id = cache.put(list_of(8), kT0 + minutes(20));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.get(old_id, kT0 + minutes(20)), nullptr);
  EXPECT_NE(cache.get(new_id, kT0 + minutes(20)), nullptr);
}

TEST(RankedListCache, TheLeastRecentlyUsedListGoesFirstPastMaxBytes) {
  const std::size_t one = bytes_of_one();
  RankedListCache cache({.max_bytes = 2 * one + one / 2});
  const auto a = cache.put(list_of(1), kT0);
  const auto b = cache.put(list_of(2), kT0 + milliseconds(1));
  EXPECT_EQ(cache.size(), 2u);
  const auto c = cache.put(list_of(3), kT0 + milliseconds(2));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_LE(cache.bytes(), 2 * one + one / 2);
  EXPECT_EQ(cache.get(a, kT0 + milliseconds(3)), nullptr);
  EXPECT_NE(cache.get(b, kT0 + milliseconds(3)), nullptr);
  EXPECT_NE(cache.get(c, kT0 + milliseconds(3)), nullptr);
}

TEST(RankedListCache, GetRefreshesRecency) {
  const std::size_t one = bytes_of_one();
  RankedListCache cache({.max_bytes = 2 * one + one / 2});
  const auto a = cache.put(list_of(1), kT0);
  const auto b = cache.put(list_of(2), kT0);
  ASSERT_NE(cache.get(a, kT0), nullptr);  // a is now the most recently used
  const auto c = cache.put(list_of(3), kT0);
  EXPECT_NE(cache.get(a, kT0), nullptr);
  EXPECT_EQ(cache.get(b, kT0), nullptr);
  EXPECT_NE(cache.get(c, kT0), nullptr);
}

TEST(RankedListCache, ABigListEvictsAsManySmallOnesAsItNeeds) {
  const std::size_t small = bytes_of_one(10);
  const std::size_t big = bytes_of_one(1000);
  RankedListCache cache({.max_bytes = big + small});
  const auto s1 = cache.put(list_of(1, 10), kT0);
  const auto s2 = cache.put(list_of(2, 10), kT0);
  const auto s3 = cache.put(list_of(3, 10), kT0);
  const auto b = cache.put(list_of(4, 1000), kT0);
  EXPECT_EQ(cache.get(s1, kT0), nullptr);
  EXPECT_EQ(cache.get(s2, kT0), nullptr);
  EXPECT_NE(cache.get(s3, kT0), nullptr);
  EXPECT_NE(cache.get(b, kT0), nullptr);
  EXPECT_EQ(cache.bytes(), big + small);
}

TEST(RankedListCache, TheNewestListStaysEvenAloneAboveMaxBytes) {
  RankedListCache cache({.max_bytes = 16});
  const auto first = cache.put(list_of(1), kT0);
  const auto second = cache.put(list_of(2), kT0);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.get(first, kT0), nullptr);
  EXPECT_NE(cache.get(second, kT0), nullptr);
}

}  // namespace
}  // namespace feedrank::ranker
