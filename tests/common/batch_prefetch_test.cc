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

TEST(ApplyPrefetched, AsksForSlotsThenTargetsBeforeTheItemIsApplied) {
  const std::vector<std::string> calls = calls_for(100);
  std::size_t with_both = 0;
  for (std::size_t i = 0; i < 100; ++i) {
    const std::string n = std::to_string(i);
    const auto slots = position(calls, "S" + n), targets = position(calls, "T" + n);
    const auto applied = position(calls, "A" + n);
    ASSERT_GE(applied, 0);
    if (targets >= 0) EXPECT_LT(targets, applied) << "item " << i;
    if (slots >= 0) EXPECT_LT(slots, targets) << "item " << i << ": slots first";
    // Both hints come several items early, or the misses would not overlap.
    if (slots >= 0 && targets >= 0) {
      ++with_both;
      EXPECT_GE(position(calls, "A" + std::to_string(i - 1)), targets) << "item " << i;
    }
  }
  EXPECT_GE(with_both, 80u) << "all but the first few items get both hints";
}

}  // namespace
}  // namespace feedrank
