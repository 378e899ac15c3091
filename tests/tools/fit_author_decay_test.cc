// The author decay chosen on held-out viewers, on handcrafted candidates whose best decay is known:
// relevant posts all by one author want no discount; relevant posts spread over authors behind a
// prolific irrelevant one want a strong one. Scores are the server's: weights x features +
// ln(source scale). A config judged beside the trials (the base) keeps its own decay and floor.
#include <gtest/gtest.h>

#include <cmath>

#include "tools/fit/author_decay_selection.h"
#include "tools/fit/candidate_examples.h"
#include "tools/fit/model_columns.h"
#include "tools/replay/list_metrics.h"

namespace feedrank::fit {
namespace {

using ranker::CandidateSource;
using ranker::Feature;

struct Item {
  PostId post;
  UserId author;
  float score;  // the similarity feature, which alone has a weight below
  bool relevant;
  CandidateSource source = CandidateSource::kFollowing;
};

// Scores are the similarity feature plus ln(source scale); every scale is 1 unless a test sets
// one, and the floor is the default's (0.2).
ranker::RankingConfig similarity_only() {
  ranker::RankingConfig config = ranker::default_ranking_config();
  config.weights.fill(0.0f);
  config.weights[static_cast<int>(Feature::kSimilarity)] = 1.0f;
  config.source_scales.fill(1.0f);
  return config;
}

// Held-out viewers' rows built as fit-ranker builds them (append_candidate_examples).
class HeldOut {
 public:
  void add_viewer(const std::vector<Item>& items) {
    ranker::ScoringInput input;
    replay::PostSet relevant;
    for (const Item& item : items) {
      input.candidates.push_back({.post = item.post, .author = item.author, .source = item.source});
      std::vector<float> features(ranker::kFeatureCount, 0.0f);
      features[static_cast<int>(Feature::kBias)] = 1.0f;
      features[static_cast<int>(Feature::kSimilarity)] = item.score;
      input.features.insert(input.features.end(), features.begin(), features.end());
      if (item.relevant) relevant.insert(item.post);
    }
    viewers.push_back({input.candidates, examples.rows()});
    append_candidate_examples(input, relevant, examples);
  }

  DecayTrials trials(const ranker::RankingConfig& config = similarity_only()) const {
    auto result = try_author_decays(examples, viewers, config, kAuthorDecayGrid);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : DecayTrials{};
  }

  ExampleMatrix examples{kModelColumns};
  std::vector<ViewerCandidates> viewers;
};

// Five relevant posts by author 1 (score 1), ten irrelevant ones by ten other authors (0.95):
// any discount puts author 1's second post (1 + ln 0.9 < 0.95) below all ten.
std::vector<Item> relevant_posts_by_one_author() {
  std::vector<Item> items;
  for (PostId post = 1; post <= 5; ++post) items.push_back({post, 1, 1.0f, true});
  for (PostId post = 11; post <= 20; ++post) items.push_back({post, post, 0.95f, false});
  return items;
}

// Ten irrelevant posts by author 9 (score 1.6), five relevant ones by authors 1..5 (score 1):
// without a discount author 9 fills the top 10; decay 0.5 lets one of its posts through
// (1.6 + ln 0.5 < 1), 0.6 and 0.7 two, 0.8 three, 0.9 six.
std::vector<Item> relevant_posts_behind_a_prolific_author() {
  std::vector<Item> items;
  for (PostId post = 101; post <= 110; ++post) items.push_back({post, 9, 1.6f, false});
  for (PostId post = 1; post <= 5; ++post) items.push_back({post, post, 1.0f, true});
  return items;
}

// NDCG@10 of five relevant posts at the given 1-based ranks.
double ndcg_at_ranks(std::initializer_list<int> ranks) {
  double dcg = 0, ideal = 0;
  for (int rank : ranks) dcg += 1 / std::log2(rank + 1.0);
  for (int rank = 1; rank <= 5; ++rank) ideal += 1 / std::log2(rank + 1.0);
  return dcg / ideal;
}

TEST(AuthorDecay, RelevantPostsAllByOneAuthorWantNoDiscount) {
  HeldOut held_out;
  held_out.add_viewer(relevant_posts_by_one_author());
  const DecayTrials result = held_out.trials();
  ASSERT_EQ(result.trials.size(), kAuthorDecayGrid.size());
  EXPECT_EQ(result.viewers_judged, 1u);
  EXPECT_DOUBLE_EQ(result.trials[0].mean_ndcg, 1.0);  // decay 1: all five on top
  for (std::size_t d = 1; d < result.trials.size(); ++d) {
    EXPECT_NEAR(result.trials[d].mean_ndcg, ndcg_at_ranks({1}), 1e-12) << result.trials[d].decay;
  }
  EXPECT_EQ(result.trials[choose_author_decay(result.trials)].decay, 1.0f);
}

TEST(AuthorDecay, RelevantPostsBehindAProlificIrrelevantAuthorWantAStrongDiscount) {
  HeldOut held_out;
  held_out.add_viewer(relevant_posts_behind_a_prolific_author());
  const DecayTrials result = held_out.trials();
  ASSERT_EQ(result.trials.size(), 6u);
  EXPECT_EQ(result.trials[0].mean_ndcg, 0.0);                                    // 1.0
  EXPECT_NEAR(result.trials[1].mean_ndcg, ndcg_at_ranks({7, 8, 9, 10}), 1e-12);  // 0.9
  EXPECT_NEAR(result.trials[2].mean_ndcg, ndcg_at_ranks({4, 5, 6, 7, 8}), 1e-12);
  EXPECT_NEAR(result.trials[3].mean_ndcg, ndcg_at_ranks({3, 4, 5, 6, 7}), 1e-12);
  EXPECT_NEAR(result.trials[4].mean_ndcg, ndcg_at_ranks({3, 4, 5, 6, 7}), 1e-12);
  EXPECT_NEAR(result.trials[5].mean_ndcg, ndcg_at_ranks({2, 3, 4, 5, 6}), 1e-12);  // 0.5
  EXPECT_EQ(result.trials[choose_author_decay(result.trials)].decay, 0.5f);
}

TEST(AuthorDecay, MeanOverTheViewersWithAPositive) {
  HeldOut held_out;
  held_out.add_viewer(relevant_posts_by_one_author());
  held_out.add_viewer({{201, 3, 1.0f, false}, {202, 4, 0.5f, false}});  // nothing to find
  held_out.add_viewer(relevant_posts_behind_a_prolific_author());
  const DecayTrials result = held_out.trials();
  EXPECT_EQ(result.viewers_judged, 2u);
  EXPECT_DOUBLE_EQ(result.trials[0].mean_ndcg, 0.5);  // (1 + 0) / 2
  EXPECT_NEAR(result.trials[5].mean_ndcg, (ndcg_at_ranks({1}) + ndcg_at_ranks({2, 3, 4, 5, 6})) / 2,
              1e-12);
}

TEST(AuthorDecay, ScoresCarryTheSourceScaleAsTheServersDo) {
  // The relevant post scores lower on its features, but its source's scale (e) lifts it
  // above the other: 0.5 + ln e > 1.
  HeldOut held_out;
  held_out.add_viewer({{1, 1, 0.5f, true, CandidateSource::kPopular}, {2, 2, 1.0f, false}});
  ranker::RankingConfig config = similarity_only();
  EXPECT_NEAR(held_out.trials(config).trials[0].mean_ndcg, 1 / std::log2(3.0), 1e-12);
  config.source_scales[static_cast<int>(CandidateSource::kPopular)] = std::exp(1.0f);
  EXPECT_DOUBLE_EQ(held_out.trials(config).trials[0].mean_ndcg, 1.0);
}

TEST(AuthorDecay, TheFloorIsTheBasesButNeverAboveTheDecay) {
  ranker::RankingConfig base = similarity_only();
  base.author_floor = 0.75f;
  EXPECT_EQ(with_author_decay(base, 1.0f).author_floor, 0.75f);
  EXPECT_EQ(with_author_decay(base, 0.8f).author_floor, 0.75f);
  EXPECT_EQ(with_author_decay(base, 0.6f).author_floor, 0.6f);
  EXPECT_EQ(with_author_decay(base, 0.6f).author_decay, 0.6f);
  HeldOut held_out;
  held_out.add_viewer(relevant_posts_by_one_author());
  const DecayTrials result = held_out.trials(base);
  EXPECT_EQ(result.trials[0].floor, 0.75f);
  EXPECT_EQ(result.trials[5].floor, 0.5f);
}

TEST(AuthorDecay, AConfigJudgedAsItStandsKeepsItsOwnFloor) {
  // Decay 0.5 with floor 0.9: each further post of author 9 loses ln 0.9 only, so its ten
  // (1.6 + ln 0.9 > 1) fill the top 10. A trial of decay 0.5 lowers the floor to 0.5 and lets
  // the relevant posts through: it judges another config than the one given.
  ranker::RankingConfig base = similarity_only();
  base.author_decay = 0.5f;
  base.author_floor = 0.9f;
  HeldOut held_out;
  held_out.add_viewer(relevant_posts_behind_a_prolific_author());
  auto judged = judge_config(held_out.examples, held_out.viewers, base);
  ASSERT_TRUE(judged.ok()) << judged.status();
  ASSERT_EQ(judged->trials.size(), 1u);
  EXPECT_EQ(judged->viewers_judged, 1u);
  EXPECT_EQ(judged->trials[0].decay, 0.5f);
  EXPECT_EQ(judged->trials[0].floor, 0.9f);
  EXPECT_EQ(judged->trials[0].mean_ndcg, 0.0);
  const float decay[] = {0.5f};
  auto trial = try_author_decays(held_out.examples, held_out.viewers, base, decay);
  ASSERT_TRUE(trial.ok()) << trial.status();
  EXPECT_EQ(trial->trials[0].floor, 0.5f);
  EXPECT_NEAR(trial->trials[0].mean_ndcg, ndcg_at_ranks({2, 3, 4, 5, 6}), 1e-12);
}

TEST(ChooseAuthorDecay, TiesGoToTheLargerDecay) {
  const std::vector<DecayTrial> trials = {
      {1.0f, 0.2f, 0.30}, {0.9f, 0.2f, 0.50}, {0.8f, 0.2f, 0.50}, {0.7f, 0.2f, 0.40}};
  EXPECT_EQ(choose_author_decay(trials), 1u);
  const std::vector<DecayTrial> all_equal = {{1.0f, 0.2f, 0.0}, {0.5f, 0.2f, 0.0}};
  EXPECT_EQ(choose_author_decay(all_equal), 0u);
}

}  // namespace
}  // namespace feedrank::fit
