// The paired bootstrap behind the replay's row comparisons, on values whose mean difference and
// spread are known, and the comparison of every row with the reference row.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tools/replay/paired_bootstrap.h"
#include "tools/replay/reference_comparison.h"

namespace feedrank::replay {
namespace {

// 400 viewers' NDCG@10 under two lists: b spreads widely between viewers, a = b + a gain of
// -0.01, 0, 0.01, 0.02 or 0.03 (mean 0.01, standard deviation 0.01 * sqrt(2)). Only pairing sees a
// gain that small under that spread.
struct Pairs {
  std::vector<double> a, b;
};
Pairs gain_under_spread() {
  Pairs pairs;
  for (int i = 0; i < 400; ++i) {
    const double base = (i % 7) / 7.0;
    pairs.b.push_back(base);
    pairs.a.push_back(base + (i % 5) / 100.0 - 0.01);
  }
  return pairs;
}

TEST(ReplayPairedBootstrap, ContainsThePointDifferenceAndIsTheSameForTheSameSeed) {
  const Pairs pairs = gain_under_spread();
  const DifferenceInterval interval = paired_bootstrap(pairs.a, pairs.b, 7);
  EXPECT_NEAR(interval.difference, 0.01, 1e-12);
  EXPECT_LT(interval.low, interval.difference);
  EXPECT_GT(interval.high, interval.difference);
  EXPECT_EQ(paired_bootstrap(pairs.a, pairs.b, 7), interval);  // exactly
  EXPECT_NE(paired_bootstrap(pairs.a, pairs.b, 8), interval);  // other draws
}

// The interval is as wide as the differences' spread says (about the normal one, 1.96 standard
// errors either side), not the values': it excludes 0.
TEST(ReplayPairedBootstrap, IntervalIsAboutTheNormalOneOfThePairedDifferences) {
  const Pairs pairs = gain_under_spread();
  const DifferenceInterval interval = paired_bootstrap(pairs.a, pairs.b, 1);
  const double half_width = 1.96 * 0.01 * std::sqrt(2.0) / std::sqrt(400.0);
  EXPECT_NEAR(interval.low, 0.01 - half_width, 0.15 * half_width);
  EXPECT_NEAR(interval.high, 0.01 + half_width, 0.15 * half_width);
  EXPECT_GT(interval.low, 0.0);
}

TEST(ReplayPairedBootstrap, IdenticalValuesGiveExactlyZero) {
  const Pairs pairs = gain_under_spread();
  EXPECT_EQ(paired_bootstrap(pairs.b, pairs.b, 3), (DifferenceInterval{0, 0, 0}));
  EXPECT_EQ(paired_bootstrap(std::vector<double>{0.5}, std::vector<double>{0.25}, 3),
            (DifferenceInterval{0.25, 0.25, 0.25}));  // one viewer: nothing to resample
}

ListScores row_of(std::string name, std::vector<double> viewer_ndcg) {
  ListScores row;
  row.name = std::move(name);
  row.viewers = viewer_ndcg.size();
  row.viewer_ndcg_at_10 = std::move(viewer_ndcg);
  return row;
}

TEST(ReplayReferenceComparison, EveryOtherRowWithValuesGetsItsDifferenceFromTheReference) {
  const Pairs pairs = gain_under_spread();
  ListScores unavailable = row_of("algorithmic", {});
  unavailable.unavailable = "UNIMPLEMENTED: not yet";
  std::vector<ListScores> rows = {row_of("popularity", pairs.a), unavailable,
                                  row_of("chronological", pairs.b), row_of("copy", pairs.b)};
  compare_with_reference(rows, 2, 5);
  ASSERT_TRUE(rows[0].ndcg_at_10_vs_reference.has_value());
  EXPECT_EQ(*rows[0].ndcg_at_10_vs_reference, paired_bootstrap(pairs.a, pairs.b, 5));
  EXPECT_FALSE(rows[1].ndcg_at_10_vs_reference.has_value());
  EXPECT_FALSE(rows[2].ndcg_at_10_vs_reference.has_value());  // the reference itself
  ASSERT_TRUE(rows[3].ndcg_at_10_vs_reference.has_value());
  EXPECT_EQ(*rows[3].ndcg_at_10_vs_reference, (DifferenceInterval{0, 0, 0}));
}

TEST(ReplayReferenceComparison, NothingWhenTheReferenceRowHasNoValues) {
  ListScores unavailable = row_of("chronological", {});
  unavailable.unavailable = "UNIMPLEMENTED: not yet";
  std::vector<ListScores> rows = {unavailable, row_of("popularity", {0.5, 0.25})};
  compare_with_reference(rows, 0, 1);
  EXPECT_FALSE(rows[1].ndcg_at_10_vs_reference.has_value());
}

}  // namespace
}  // namespace feedrank::replay
