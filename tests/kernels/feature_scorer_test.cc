// The CPU feature scorer against a double-precision reference on random matrices, the exact
// column-order fma chain, hand-computed cases, and every bad argument.
#include "kernels/feature_scorer.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/kernels/scoring_test_support.h"

namespace feedrank::kernels {
namespace {

using testing::fma_chain;
using testing::near_reference;
using testing::random_scoring;
using testing::same_bits;

// (rows, columns): one column, the 256-column maximum, odd row counts around the 8-row vector
// step, the ranker's 1,500 x 13..32, and 256 viewers stacked.
const std::vector<std::pair<std::size_t, int>> kShapes = {
    {1, 1},     {7, 1},     {9, 1},     {1, 256},   {17, 256}, {8, 8},          {15, 3},
    {1500, 13}, {1501, 32}, {333, 255}, {1000, 33}, {2, 64},   {256 * 1500, 32}};

TEST(FeatureScorerCpu, HandComputedCasesExactly) {
  const auto scorer = make_cpu_feature_scorer();
  for (const auto& c : testing::exact_cases()) {
    std::vector<float> scores(c.want.size(), -1.0f);
    ASSERT_TRUE(scorer->score(c.in.batch(), scores).ok()) << c.name;
    EXPECT_EQ(scores, c.want) << c.name;
  }
}

TEST(FeatureScorerCpu, MatchesDoublePrecisionReferenceOnRandomMatrices) {
  const auto scorer = make_cpu_feature_scorer();
  std::uint64_t seed = 1;
  for (const auto& [rows, columns] : kShapes) {
    const auto in = random_scoring(rows, columns, seed++);
    std::vector<float> scores(rows);
    ASSERT_TRUE(scorer->score(in.batch(), scores).ok()) << rows << " x " << columns;
    EXPECT_TRUE(near_reference(scores, in));
  }
}

// The contract fixes the rounding (one fma per column, in order), so the vector path and the
// plain loop give the same bits: what lets the GPU twin be compared exactly too.
TEST(FeatureScorerCpu, GivesTheColumnOrderFmaChainBitForBit) {
  const auto scorer = make_cpu_feature_scorer();
  std::uint64_t seed = 100;
  for (const auto& [rows, columns] : kShapes) {
    const auto in = random_scoring(rows, columns, seed++);
    std::vector<float> scores(rows);
    ASSERT_TRUE(scorer->score(in.batch(), scores).ok());
    EXPECT_TRUE(same_bits(scores, fma_chain(in))) << rows << " x " << columns;
  }
}

TEST(FeatureScorerCpu, ZeroRowsIsOk) {
  const auto scorer = make_cpu_feature_scorer();
  const auto in = random_scoring(0, 5, 3);
  EXPECT_TRUE(scorer->score(in.batch(), {}).ok());
}

TEST(FeatureScorerCpu, RejectsEveryBadArgumentNamingTheField) {
  testing::expect_rejects_bad_arguments(*make_cpu_feature_scorer());
}

TEST(FeatureScorerCpu, DescribeSaysCpu) {
  const std::string text = make_cpu_feature_scorer()->describe();
  EXPECT_EQ(text.substr(0, 8), "cpu-fma ") << text;
}

}  // namespace
}  // namespace feedrank::kernels
