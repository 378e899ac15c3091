// RowTimeFloor: the window it gives for a time range is exact about what it leaves out (every row
// before the first row is older than the range, every row from the end row on newer) and tight
// to the block (the block before the end row holds a row of the range's end or older).
#include "ranker/retrieval/row_time_floor.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace feedrank::ranker {
namespace {

constexpr std::size_t kBlock = RowTimeFloor::kBlockRows;

RowTimeFloor floor_of(const std::vector<TimestampMs>& times) {
  RowTimeFloor floor;
  for (TimestampMs at : times) floor.append(at);
  return floor;
}

// Rows mostly in time order, with late-arriving old posts and posts dated ahead mixed in.
std::vector<TimestampMs> mostly_in_order(std::size_t rows, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> odd(0, 99);
  std::vector<TimestampMs> times;
  for (std::size_t r = 0; r < rows; ++r) {
    const auto now = static_cast<TimestampMs>(r) * 10;
    const int roll = odd(rng);
    times.push_back(roll == 0 ? now / 2 : roll == 1 ? now + 20'000 : now);
  }
  return times;
}

TEST(RowTimeFloor, LeavesOutOnlyRowsOutsideTheRangeAndStopsAtTheBlock) {
  const std::vector<TimestampMs> times = mostly_in_order(10 * kBlock + 300, 5);
  const RowTimeFloor floor = floor_of(times);
  ASSERT_EQ(floor.rows(), times.size());
  for (TimestampMs at = -10; at <= static_cast<TimestampMs>(times.size()) * 10 + 30'000;
       at += 997) {
    SCOPED_TRACE("at " + std::to_string(at));
    const std::size_t first = floor.first_row_since(at);
    const std::size_t end = floor.end_row_until(at);
    EXPECT_EQ(first % kBlock == 0 || first == times.size(), true) << first;
    EXPECT_EQ(end % kBlock == 0 || end == times.size(), true) << end;
    for (std::size_t r = 0; r < first; ++r) ASSERT_LT(times[r], at) << "row " << r;
    for (std::size_t r = end; r < times.size(); ++r) ASSERT_GT(times[r], at) << "row " << r;
    if (end < times.size() && end > 0) {
      bool block_before_holds_one = false;
      for (std::size_t r = end - kBlock; r < end; ++r) block_before_holds_one |= times[r] <= at;
      EXPECT_TRUE(block_before_holds_one) << "the end row could be a block earlier: " << end;
    }
  }
}

TEST(RowTimeFloor, AnEndRowOnlyWhereWholeBlocksAreNewer) {
  std::vector<TimestampMs> times(3 * kBlock, 100);  // three blocks at 100
  times.resize(5 * kBlock + 10, 500);               // then two blocks and 10 rows at 500
  RowTimeFloor floor = floor_of(times);
  EXPECT_EQ(floor.end_row_until(100), 3 * kBlock);
  EXPECT_EQ(floor.end_row_until(99), 0u);
  EXPECT_EQ(floor.end_row_until(500), floor.rows());  // nothing is newer
  floor.append(50);  // a late-arriving old post in the last block
  EXPECT_EQ(floor.end_row_until(100), floor.rows());
  EXPECT_EQ(floor.first_row_since(200), 3 * kBlock);
  EXPECT_EQ(RowTimeFloor().end_row_until(0), 0u);
}

}  // namespace
}  // namespace feedrank::ranker
