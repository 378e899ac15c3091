#include "common/batch_prefetch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

namespace feedrank {
namespace {

// The calls apply_prefetched makes, in order: "S3" (slots of item 3), "T3", "A3" (apply).
std::vector<std::string> calls_for(std::size_t count) {
  std::vector<std::string> calls;
  apply_prefetched(
      count,
      [&](std::size_t i, PrefetchStep step) {
        calls.push_back((step == PrefetchStep::kSlots ? "S" : "T") + std::to_string(i));
      },
      [&](std::size_t i) { calls.push_back("A" + std::to_string(i)); });
  return calls;
}

std::ptrdiff_t position(const std::vector<std::string>& calls, const std::string& call) {
  const auto it = std::find(calls.begin(), calls.end(), call);
  return it == calls.end() ? -1 : it - calls.begin();
}

TEST(ApplyPrefetched, AppliesEveryItemOnceInOrder) {
  for (std::size_t count : {0u, 1u, 7u, 8u, 9u, 16u, 17u, 100u}) {
    std::vector<std::string> applied;
    for (const std::string& call : calls_for(count)) {
      if (call[0] == 'A') applied.push_back(call);
    }
    ASSERT_EQ(applied.size(), count);
    for (std::size_t i = 0; i < count; ++i) EXPECT_EQ(applied[i], "A" + std::to_string(i));
  }
}

TEST(ApplyPrefetched, EveryItemsSlotsAreAskedForOnceBeforeItIsApplied) {
  for (std::size_t count : {1u, 10u, 16u, 17u, 100u}) {
    const std::vector<std::string> calls = calls_for(count);
    for (std::size_t i = 0; i < count; ++i) {
      const std::string n = std::to_string(i);
      const auto slots = position(calls, "S" + n);
      ASSERT_GE(slots, 0) << "item " << i << " of " << count;
      EXPECT_LT(slots, position(calls, "A" + n)) << "item " << i << " of " << count;
      EXPECT_EQ(std::count(calls.begin(), calls.end(), "S" + n), 1) << "item " << i;
    }
  }
  // A small batch: every slot is asked for before the first item is applied.
  const std::vector<std::string> small = calls_for(10);
  for (int i = 0; i < 10; ++i) {
    EXPECT_LT(position(small, "S" + std::to_string(i)), position(small, "A0")) << "item " << i;
  }
}

TEST(ApplyPrefetched, AsksForSlotsThenTargetsBeforeTheItemIsApplied) {
  const std::vector<std::string> calls = calls_for(100);
  std::size_t with_both = 0;
  for (std::size_t i = 0; i < 100; ++i) {
    const std::string n = std::to_string(i);
    const auto slots = position(calls, "S" + n), targets = position(calls, "T" + n);
    const auto applied = position(calls, "A" + n);
    ASSERT_GE(applied, 0);
    if (targets < 0) continue;  // the first items: their slots only
    ++with_both;
    EXPECT_LT(slots, targets) << "item " << i << ": slots first";
    EXPECT_LT(targets, applied) << "item " << i;
    // The targets come at least an item early, or their misses would not overlap.
    ASSERT_GE(i, 1u);
    EXPECT_GE(position(calls, "A" + std::to_string(i - 1)), targets) << "item " << i;
  }
  EXPECT_GE(with_both, 80u) << "all but the first few items get both hints";
}

}  // namespace
}  // namespace feedrank
