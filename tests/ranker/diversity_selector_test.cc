// Selection with diversity: author discounts, the floor, MMR, order and limits.
#include "ranker/pipeline/diversity_selector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <vector>

namespace feedrank::ranker {
namespace {

using ::testing::ElementsAre;

struct Item {
  PostId post;
  UserId author;
  float score;
  std::vector<float> vector = {};
};

// Candidates, scores and vectors from a list of items.
class Batch {
 public:
  explicit Batch(std::vector<Item> items) : items_(std::move(items)) {
    for (const Item& item : items_) {
      candidates_.push_back({item.post, item.author, 0, CandidateSource::kPopular,
                             source_bit(CandidateSource::kPopular)});
      scores_.push_back(item.score);
      vectors_[item.post] = item.vector;
    }
  }

  std::vector<Selection> select(const RankingConfig& config, std::size_t limit = 1000) const {
    return select_diverse(
        candidates_, scores_, config, limit,
        [this](PostId post) { return vectors_.at(post); });
  }
  std::vector<PostId> order(const RankingConfig& config, std::size_t limit = 1000) const {
    std::vector<PostId> posts;
    for (const Selection& s : select(config, limit)) posts.push_back(candidates_[s.index].post);
    return posts;
  }

  const Candidates& candidates() const { return candidates_; }
  const std::vector<float>& scores() const { return scores_; }
  std::span<const float> vector_of(PostId post) const { return vectors_.at(post); }

 private:
  std::vector<Item> items_;
  Candidates candidates_;
  std::vector<float> scores_;
  std::map<PostId, std::vector<float>> vectors_;
};

RankingConfig no_discounts() {
  RankingConfig config = default_ranking_config();
  config.author_decay = 1.0f;
  config.author_floor = 1.0f;
  config.mmr_penalty = 0.0f;
  return config;
}

RankingConfig author_discount(float decay, float floor) {
  RankingConfig config = no_discounts();
  config.author_decay = decay;
  config.author_floor = floor;
  return config;
}

// ln(max(decay^n, floor)), as the header specifies it.
float expected_author_term(const RankingConfig& config, int earlier) {
  if (earlier == 0) return 0.0f;
  return static_cast<float>(std::log(
      std::max(std::pow(double{config.author_decay}, earlier), double{config.author_floor})));
}

TEST(DiversitySelector, WithoutDiscountsTheOrderIsByScoreTiesByLargerPostId) {
  const Batch batch({{5, 1, 1.0f}, {9, 1, 2.0f}, {3, 1, 2.0f}, {7, 1, 0.5f}, {4, 2, 2.0f}});
  const auto selections = batch.select(no_discounts());
  std::vector<PostId> order;
  for (const Selection& s : selections) {
    order.push_back(batch.candidates()[s.index].post);
    EXPECT_EQ(s.score, batch.scores()[s.index]);
    EXPECT_EQ(s.author_term, 0.0f);
    EXPECT_EQ(s.mmr_term, 0.0f);
  }
  EXPECT_THAT(order, ElementsAre(9, 4, 3, 5, 7));
}

TEST(DiversitySelector, TheNthEarlierSameAuthorItemGetsLnOfDecayToTheNAboveTheFloor) {
  const RankingConfig config = author_discount(0.7f, 0.2f);
  // One author: every item gets the same discount at each step, so the order stays by score.
  const Batch batch(
      {{1, 8, 10.0f}, {2, 8, 9.9f}, {3, 8, 9.8f}, {4, 8, 9.7f}, {5, 8, 9.6f}, {6, 8, 9.5f}});
  const auto selections = batch.select(config);
  ASSERT_EQ(selections.size(), 6u);
  for (int n = 0; n < 6; ++n) {
    const Selection& s = selections[n];
    EXPECT_EQ(batch.candidates()[s.index].post, static_cast<PostId>(n + 1));
    EXPECT_FLOAT_EQ(s.author_term, expected_author_term(config, n)) << n;
    EXPECT_FLOAT_EQ(s.score, batch.scores()[s.index] + s.author_term) << n;
  }
  // By hand: 0.7, 0.49, 0.343, 0.2401, then 0.16807 < 0.2: the floor.
  EXPECT_FLOAT_EQ(selections[1].author_term, std::log(0.7f));
  EXPECT_FLOAT_EQ(selections[4].author_term, static_cast<float>(std::log(0.2401)));
  EXPECT_FLOAT_EQ(selections[5].author_term, std::log(0.2f));
}

TEST(DiversitySelector, ThirdPostOfAnAuthorGetsTheSquaredDecay) {
  const RankingConfig config = author_discount(0.5f, 0.01f);
  const Batch batch({{1, 8, 30.0f}, {2, 8, 20.0f}, {3, 8, 10.0f}});
  const auto selections = batch.select(config);
  ASSERT_EQ(selections.size(), 3u);
  EXPECT_FLOAT_EQ(selections[2].author_term, static_cast<float>(std::log(0.25)));
  EXPECT_FLOAT_EQ(selections[2].score, 10.0f + static_cast<float>(std::log(0.25)));
}

TEST(DiversitySelector, AnAuthorsCountIgnoresOtherAuthorsItems) {
  const RankingConfig config = author_discount(0.5f, 0.01f);
  // Author 8 and author 9 alternate; each one's second item gets ln 0.5, not ln 0.25.
  const Batch batch({{1, 8, 40.0f}, {2, 9, 39.0f}, {3, 8, 30.0f}, {4, 9, 29.0f}});
  const auto selections = batch.select(config);
  ASSERT_EQ(selections.size(), 4u);
  EXPECT_EQ(selections[0].author_term, 0.0f);
  EXPECT_EQ(selections[1].author_term, 0.0f);
  EXPECT_FLOAT_EQ(selections[2].author_term, std::log(0.5f));
  EXPECT_FLOAT_EQ(selections[3].author_term, std::log(0.5f));
}

TEST(DiversitySelector, TheDiscountMovesAnotherAuthorsLowerPostAboveTheSecondPost) {
  // Author 8's second post: 2.9 + ln 0.5 = 2.207 < 2.5 (author 9's only post).
  const Batch batch({{1, 8, 3.0f}, {2, 8, 2.9f}, {3, 9, 2.5f}});
  EXPECT_THAT(batch.order(no_discounts()), ElementsAre(1, 2, 3));
  EXPECT_THAT(batch.order(author_discount(0.5f, 0.2f)), ElementsAre(1, 3, 2));
}

TEST(DiversitySelector, TheSecondPostStaysAboveWhenTheNumbersSaySo) {
  // 2.9 + ln 0.5 = 2.207 > 2.1.
  const Batch batch({{1, 8, 3.0f}, {2, 8, 2.9f}, {3, 9, 2.1f}});
  const auto selections = batch.select(author_discount(0.5f, 0.2f));
  std::vector<PostId> order;
  for (const Selection& s : selections) order.push_back(batch.candidates()[s.index].post);
  EXPECT_THAT(order, ElementsAre(1, 2, 3));
  EXPECT_FLOAT_EQ(selections[1].score, 2.9f + std::log(0.5f));
}

TEST(DiversitySelector, TheFloorHolds) {
  const RankingConfig config = author_discount(0.1f, 0.5f);
  const Batch batch({{1, 8, 4.0f}, {2, 8, 3.0f}, {3, 8, 2.0f}, {4, 8, 1.0f}});
  const auto selections = batch.select(config);
  ASSERT_EQ(selections.size(), 4u);
  EXPECT_EQ(selections[0].author_term, 0.0f);
  for (int n = 1; n < 4; ++n) EXPECT_FLOAT_EQ(selections[n].author_term, std::log(0.5f)) << n;
}

TEST(DiversitySelector, AFloorOfOneMeansNoDiscount) {
  const Batch batch({{1, 8, 4.0f}, {2, 8, 3.0f}, {3, 9, 2.0f}});
  for (const Selection& s : batch.select(author_discount(0.1f, 1.0f))) {
    EXPECT_EQ(s.author_term, 0.0f);
  }
  EXPECT_THAT(batch.order(author_discount(0.1f, 1.0f)), ElementsAre(1, 2, 3));
}

std::vector<float> unit(std::vector<float> v) {
  float norm = 0;
  for (float x : v) norm += x * x;
  norm = std::sqrt(norm);
  for (float& x : v) x /= norm;
  return v;
}

float dot(std::span<const float> a, std::span<const float> b) {
  float sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

TEST(DiversitySelector, MmrPutsADistinctPostAboveANearDuplicateOfTheFirst) {
  const auto first = unit({1, 0, 0, 0});
  const auto near_duplicate = unit({1, 0.05f, 0, 0});
  const auto distinct = unit({0, 1, 0, 0});
  const Batch batch({{1, 8, 1.0f, first}, {2, 9, 0.95f, near_duplicate}, {3, 10, 0.9f, distinct}});
  EXPECT_THAT(batch.order(no_discounts()), ElementsAre(1, 2, 3));

  RankingConfig config = no_discounts();
  config.mmr_penalty = 0.5f;
  const auto selections = batch.select(config);
  ASSERT_EQ(selections.size(), 3u);
  EXPECT_EQ(batch.candidates()[selections[0].index].post, 1u);
  EXPECT_EQ(batch.candidates()[selections[1].index].post, 3u);
  EXPECT_EQ(batch.candidates()[selections[2].index].post, 2u);
  EXPECT_EQ(selections[0].mmr_term, 0.0f);        // nothing above it
  EXPECT_FLOAT_EQ(selections[1].mmr_term, 0.0f);  // orthogonal to the first
  // -0.5 x max(near_duplicate . first, near_duplicate . distinct)
  const float similarity = std::max(dot(near_duplicate, first), dot(near_duplicate, distinct));
  EXPECT_FLOAT_EQ(selections[2].mmr_term, -0.5f * similarity);
  EXPECT_FLOAT_EQ(selections[2].score, 0.95f - 0.5f * similarity);
}

TEST(DiversitySelector, PostsWithoutVectorsGetNoMmrTerm) {
  const auto v = unit({1, 1, 0, 0});
  const Batch batch({{1, 8, 1.0f, v}, {2, 9, 0.9f}, {3, 10, 0.8f, v}});
  RankingConfig config = no_discounts();
  config.mmr_penalty = 1.0f;
  const auto selections = batch.select(config);
  ASSERT_EQ(selections.size(), 3u);
  EXPECT_EQ(batch.candidates()[selections[1].index].post, 2u);
  EXPECT_EQ(selections[1].mmr_term, 0.0f);
  EXPECT_FLOAT_EQ(selections[2].mmr_term, -1.0f);
}

TEST(DiversitySelector, TheLimitIsRespected) {
  std::vector<Item> items;
  for (PostId id = 1; id <= 10; ++id) items.push_back({id, id, static_cast<float>(id)});
  const Batch batch(items);
  EXPECT_THAT(batch.order(no_discounts(), 3), ElementsAre(10, 9, 8));
  EXPECT_TRUE(batch.select(no_discounts(), 0).empty());
  EXPECT_EQ(batch.select(no_discounts(), 50).size(), 10u);
}

TEST(DiversitySelector, NoCandidatesNoSelections) {
  const Batch batch(std::vector<Item>{});
  EXPECT_TRUE(batch.select(author_discount(0.5f, 0.1f), 10).empty());
}

// The plain greedy algorithm the lazy heap must reproduce: at each step, every remaining item's
// score with both discounts against everything taken so far; the best (ties by larger id).
std::vector<std::size_t> naive_greedy(const Batch& batch, const RankingConfig& config,
                                      std::size_t limit) {
  const Candidates& candidates = batch.candidates();
  std::vector<bool> taken(candidates.size(), false);
  std::vector<std::size_t> order;
  std::map<UserId, int> by_author;
  while (order.size() < std::min(limit, candidates.size())) {
    std::size_t best = candidates.size();
    float best_score = 0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (taken[i]) continue;
      float mmr = 0;
      if (config.mmr_penalty > 0 && !batch.vector_of(candidates[i].post).empty()) {
        float max_similarity = -INFINITY;
        for (std::size_t t : order) {
          const auto other = batch.vector_of(candidates[t].post);
          if (!other.empty()) {
            max_similarity =
                std::max(max_similarity, dot(batch.vector_of(candidates[i].post), other));
          }
        }
        if (max_similarity != -INFINITY) mmr = -config.mmr_penalty * max_similarity;
      }
      const float score =
          batch.scores()[i] + expected_author_term(config, by_author[candidates[i].author]) + mmr;
      if (best == candidates.size() || score > best_score ||
          (score == best_score && candidates[i].post > candidates[best].post)) {
        best = i;
        best_score = score;
      }
    }
    taken[best] = true;
    ++by_author[candidates[best].author];
    order.push_back(best);
  }
  return order;
}

Batch random_batch(std::uint32_t seed, std::size_t n, bool negative_components) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> score(-2.0f, 2.0f);
  std::uniform_real_distribution<float> component(negative_components ? -1.0f : 0.0f, 1.0f);
  std::vector<Item> items;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<float> v;
    if (rng() % 5 != 0) {  // a fifth have no vector
      v.resize(8);
      for (float& x : v) x = component(rng);
      v = unit(v);
    }
    items.push_back({static_cast<PostId>(1000 + rng() % 100000), 1 + rng() % 12,
                     std::round(score(rng) * 8) / 8, v});  // coarse scores: many ties
  }
  std::sort(items.begin(), items.end(),
            [](const Item& a, const Item& b) { return a.post < b.post; });
  items.erase(std::unique(items.begin(), items.end(),
                          [](const Item& a, const Item& b) { return a.post == b.post; }),
              items.end());
  return Batch(items);
}

TEST(DiversitySelector, SelectionScoresNeverIncreaseDownTheList) {
  RankingConfig config = author_discount(0.6f, 0.15f);
  config.mmr_penalty = 0.4f;
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    const Batch batch = random_batch(seed, 150, /*negative_components=*/false);
    const auto selections = batch.select(config);
    ASSERT_EQ(selections.size(), batch.candidates().size());
    for (std::size_t i = 1; i < selections.size(); ++i) {
      ASSERT_LE(selections[i].score, selections[i - 1].score) << "seed " << seed << " at " << i;
    }
  }
}

TEST(DiversitySelector, TheLazyHeapMakesTheGreedyChoiceAtEveryStep) {
  // With MMR every take dates every score; without it only a take of the same author does, and
  // the heap rescores only those.
  for (const float mmr_penalty : {0.4f, 0.0f}) {
    RankingConfig config = author_discount(0.6f, 0.15f);
    config.mmr_penalty = mmr_penalty;
    for (std::uint32_t seed = 1; seed <= 20; ++seed) {
      const Batch batch = random_batch(seed, 120, /*negative_components=*/false);
      std::vector<std::size_t> lazy;
      for (const Selection& s : batch.select(config, 60)) lazy.push_back(s.index);
      EXPECT_EQ(lazy, naive_greedy(batch, config, 60))
          << "seed " << seed << ", mmr_penalty " << mmr_penalty;
    }
  }
}

// A post whose vector points away from everything taken (a negative inner product: the
// signed-hash text embeddings and caller-supplied embeddings have them) gets no MMR bonus: the
// term stays <= 0 and only grows, as the lazy heap needs.
TEST(DiversitySelector, ANegativeSimilarityIsNoBonusSoScoresStillNeverIncrease) {
  RankingConfig config = no_discounts();
  config.mmr_penalty = 1.0f;
  const Batch batch({{1, 8, 3.0f, unit({1, 0, 0, 0})}, {2, 9, 2.9f, unit({-1, 0, 0, 0})}});
  const auto selections = batch.select(config);
  ASSERT_EQ(selections.size(), 2u);
  EXPECT_LE(selections[1].mmr_term, 0.0f);
  EXPECT_LE(selections[1].score, selections[0].score);
}

TEST(DiversitySelector, WithNegativeSimilaritiesTheScoresStillNeverIncrease) {
  RankingConfig config = author_discount(0.6f, 0.15f);
  config.mmr_penalty = 0.4f;
  for (std::uint32_t seed = 1; seed <= 5; ++seed) {
    const Batch batch = random_batch(seed, 100, /*negative_components=*/true);
    const auto selections = batch.select(config);
    for (std::size_t i = 1; i < selections.size(); ++i) {
      ASSERT_LE(selections[i].score, selections[i - 1].score) << "seed " << seed << " at " << i;
    }
  }
}

}  // namespace
}  // namespace feedrank::ranker
