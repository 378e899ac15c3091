// The replay's metrics on tiny lists whose values were worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tools/replay/list_metrics.h"
#include "tools/replay/list_scores.h"

namespace feedrank::replay {
namespace {

constexpr TimestampMs kHourMs = 60 * 60 * 1000;

// 1 / log2(rank + 1), written out so that the expectations do not reuse the code under test.
const double kRank1 = 1.0;
const double kRank2 = 1.0 / std::log2(3.0);
const double kRank3 = 0.5;
const double kRank5 = 1.0 / std::log2(6.0);

const std::vector<PostId> kList = {1, 2, 3, 4, 5};
const PostSet kTruth = {2, 5, 9};

TEST(ReplayMetrics, NdcgDiscountsByRankAndNormalisesByTheIdealOverMinOfTruthAndN) {
  // Relevant at ranks 2 and 5; the ideal puts 3 relevant posts at ranks 1..3.
  EXPECT_NEAR(ndcg_at(kList, kTruth, 10), (kRank2 + kRank5) / (kRank1 + kRank2 + kRank3), 1e-12);
  EXPECT_NEAR(ndcg_at(kList, kTruth, 10), 0.4776237, 1e-7);
  // At 2 only rank 2 counts and the ideal holds two relevant posts.
  EXPECT_NEAR(ndcg_at(kList, kTruth, 2), kRank2 / (kRank1 + kRank2), 1e-12);
  EXPECT_DOUBLE_EQ(ndcg_at(std::vector<PostId>{2, 5, 9}, kTruth, 10), 1.0);
  EXPECT_DOUBLE_EQ(ndcg_at(kList, PostSet{}, 10), 0.0);
  EXPECT_DOUBLE_EQ(ndcg_at({}, kTruth, 10), 0.0);
}

TEST(ReplayMetrics, HitRateIsOneWhenAnyOfTheFirstNIsRelevant) {
  EXPECT_DOUBLE_EQ(hit_rate_at(kList, kTruth, 1), 0.0);
  EXPECT_DOUBLE_EQ(hit_rate_at(kList, kTruth, 2), 1.0);
  EXPECT_DOUBLE_EQ(hit_rate_at(kList, kTruth, 10), 1.0);
}

TEST(ReplayMetrics, RecallDividesTheRelevantInTheFirstNByTheTruthSize) {
  EXPECT_DOUBLE_EQ(recall_at(kList, kTruth, 10), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(recall_at(kList, kTruth, 4), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(recall_at(kList, kTruth, 1), 0.0);
  EXPECT_DOUBLE_EQ(recall_at(kList, PostSet{}, 10), 0.0);
}

TEST(ReplayMetrics, ReciprocalRankOfTheFirstRelevantPost) {
  EXPECT_DOUBLE_EQ(reciprocal_rank(kList, kTruth), 0.5);
  EXPECT_DOUBLE_EQ(reciprocal_rank(std::vector<PostId>{7, 8, 9}, kTruth), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(reciprocal_rank(std::vector<PostId>{7, 8}, kTruth), 0.0);
}

TEST(ReplayMetrics, AuthorDiversityIsDistinctAuthorsOverPosts) {
  EXPECT_DOUBLE_EQ(author_diversity(std::vector<UserId>{7, 7, 8, 9}), 0.75);
  EXPECT_DOUBLE_EQ(author_diversity(std::vector<UserId>{7, 7}), 0.5);
  EXPECT_DOUBLE_EQ(author_diversity(std::vector<UserId>{}), 0.0);
}

TEST(ReplayMetrics, CatalogueCoverageIsDistinctServedOverLivePosts) {
  EXPECT_DOUBLE_EQ(catalogue_coverage(30, 120), 0.25);
  EXPECT_DOUBLE_EQ(catalogue_coverage(5, 0), 0.0);
}

TEST(ReplayMetrics, MeanAgeInHoursAtTheCut) {
  const TimestampMs cut = 100 * kHourMs;
  EXPECT_DOUBLE_EQ(mean_age_hours(std::vector<TimestampMs>{cut - kHourMs, cut - 3 * kHourMs}, cut),
                   2.0);
  EXPECT_DOUBLE_EQ(mean_age_hours(std::vector<TimestampMs>{}, cut), 0.0);
}

TEST(ReplayListScores, AveragesOverViewersDiversityOverNonEmptyListsAgeOverServedPosts) {
  PreCutState state;
  state.cut = 100 * kHourMs;
  state.posts[1] = {10, state.cut - 2 * kHourMs};
  state.posts[2] = {10, state.cut - 4 * kHourMs};
  state.posts[3] = {11, state.cut - 6 * kHourMs};
  state.posts[4] = {12, state.cut - 8 * kHourMs};  // never served
  ListScoreAccumulator accumulator(state, 50);
  accumulator.add(std::vector<PostId>{1, 2, 3}, PostSet{2});  // relevant at rank 2
  accumulator.add(std::vector<PostId>{}, PostSet{1});         // an empty list scores 0
  const ListScores row = accumulator.scores("test");
  EXPECT_EQ(row.name, "test");
  EXPECT_TRUE(row.unavailable.empty());
  EXPECT_EQ(row.viewers, 2u);
  EXPECT_EQ(row.empty_lists, 1u);
  EXPECT_NEAR(row.ndcg_at_10, kRank2 / 2, 1e-12);
  EXPECT_DOUBLE_EQ(row.hit_rate_at_10, 0.5);
  EXPECT_DOUBLE_EQ(row.recall_at_10, 0.5);
  EXPECT_DOUBLE_EQ(row.recall_at_k, 0.5);
  EXPECT_DOUBLE_EQ(row.mrr, 0.25);
  EXPECT_DOUBLE_EQ(row.coverage, 0.75);
  EXPECT_DOUBLE_EQ(row.author_diversity_at_10, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(row.mean_age_hours_at_10, 4.0);
}

}  // namespace
}  // namespace feedrank::replay
