// The algorithmic pipeline end to end on handcrafted states: the real sources and filters, the
// CPU scorer, a fake retrieval index.
#include "ranker/pipeline/algorithmic_pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "ranker/pipeline/viewer_signals.h"
#include "ranker/ranking_time.h"

namespace feedrank::ranker {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr TimestampMs kHour = 60LL * 60 * 1000;
constexpr TimestampMs kDay = 24 * kHour;
constexpr TimestampMs kNow = 1700000000000LL;
constexpr int kDimension = 32;
constexpr UserId kViewer = 1;

class World {
 public:
  World() : table(kDimension) {
    for (UserId id = 1; id <= 9; ++id) state.apply(User{id, "u" + std::to_string(id), 0});
  }
  void post(PostId id, UserId author, TimestampMs at, Visibility visibility = Visibility::kPublic) {
    Post post;
    post.id = id;
    post.author = author;
    post.created_at = at;
    post.text = "post";
    post.visibility = visibility;
    state.apply(store::StoredPost{post, false, ++sequence_});
  }
  void follow(UserId follower, UserId followee) { state.apply(Follow{follower, followee, 0}); }
  void like(UserId user, PostId post, TimestampMs at) {
    state.apply(
        store::StoredEngagement{Engagement{user, post, EngagementKind::kLike, at}, ++sequence_});
  }
  void vector(PostId post, int hot) {
    std::vector<float> v(kDimension, 0.0f);
    v[hot] = 0.8f;
    v[(hot + 1) % kDimension] = 0.6f;
    table.upsert(post, v);
  }

  FeedQuery query() const {
    FeedQuery query;
    query.viewer = kViewer;
    query.now = kNow;
    query.state = &state;
    query.config = &config;
    query.viewer_vector = viewer_vector;
    query.muted_authors = muted;
    query.signals = compute_viewer_signals(state, kViewer, kNow, config);
    return query;
  }

  store::FeedState state;
  RankingConfig config = default_ranking_config();
  embeddings::EmbeddingTable table;
  std::vector<float> viewer_vector;
  absl::flat_hash_set<UserId> muted;
  std::vector<kernels::Neighbor> nearest;  // what the fake retrieval index answers

 private:
  store::Sequence sequence_ = 0;
};

// A source that appends a candidate and then fails, as a retrieval backend lost mid-request.
class FailingSource final : public CandidateSourceStage {
 public:
  explicit FailingSource(CandidateSource source) : source_(source) {}
  CandidateSource source() const override { return source_; }
  absl::Status fetch(const FeedQuery&, Candidates& out) const override {
    out.push_back({999, 9, kNow, source_, source_bit(source_)});  // must not survive
    return absl::UnavailableError("shard 3 is down");
  }

 private:
  CandidateSource source_;
};

// The engine's sources in the engine's order; `failing` replaces the source of that kind.
AlgorithmicPipeline make_pipeline(const World& world,
                                  std::optional<CandidateSource> failing = std::nullopt) {
  std::vector<std::unique_ptr<CandidateSourceStage>> sources;
  sources.push_back(make_in_network_source());
  sources.push_back(make_network_engagement_source());
  sources.push_back(make_collaborative_source());
  sources.push_back(make_out_of_network_source(
      [&world](const FeedQuery&, int, TimestampMs, std::size_t, std::span<const kernels::VectorId>)
          -> absl::StatusOr<std::vector<kernels::Neighbor>> { return world.nearest; }));
  sources.push_back(make_popular_source());
  if (failing) {
    for (auto& source : sources) {
      if (source->source() == *failing) source = std::make_unique<FailingSource>(*failing);
    }
  }
  return AlgorithmicPipeline(std::move(sources), standard_filters(),
                             std::make_shared<const CandidateScorer>());
}

RankedList rank(const World& world, std::optional<CandidateSource> failing = std::nullopt) {
  auto list = make_pipeline(world, failing).rank(world.query(), world.table);
  EXPECT_TRUE(list.ok()) << list.status();
  return list.ok() ? *list : RankedList{};
}

std::vector<PostId> order_of(const RankedList& list) {
  std::vector<PostId> posts;
  for (const RankedEntry& entry : list.entries) posts.push_back(entry.candidate.post);
  return posts;
}

const RankedEntry* entry_of(const RankedList& list, PostId post) {
  for (const RankedEntry& entry : list.entries) {
    if (entry.candidate.post == post) return &entry;
  }
  return nullptr;
}

// ---- weights ----

// Post 10 by a followed author; post 20 by a stranger with three fresh likes. With the default
// weights: 10 = recency 0.971 + follows 0.5 + followers 0.05 x ln 2 = 1.506;
// 20 = recency 0.971 + likes 0.3 x ln 4 = 1.387.
World two_post_world() {
  World w;
  w.follow(kViewer, 2);
  w.post(10, 2, kNow - kHour);
  w.post(20, 3, kNow - kHour);
  for (UserId u : {4, 5, 6}) w.like(u, 20, kNow);
  return w;
}

void set_weight(RankingConfig& config, Feature f, float weight) {
  config.weights[static_cast<int>(f)] = weight;
}

TEST(AlgorithmicPipeline, WithDefaultWeightsTheFollowedAuthorsPostLeads) {
  const World w = two_post_world();
  EXPECT_THAT(order_of(rank(w)), ElementsAre(10, 20));
}

TEST(AlgorithmicPipeline, RaisingTheLikesWeightMovesTheLikedPostToTheTop) {
  World w = two_post_world();
  set_weight(w.config, Feature::kLikes, 1.0f);  // 20: 0.971 + ln 4 = 2.358
  EXPECT_THAT(order_of(rank(w)), ElementsAre(20, 10));
}

TEST(AlgorithmicPipeline, RaisingTheFollowsAuthorWeightMovesTheFollowedPostBackToTheTop) {
  World w = two_post_world();
  set_weight(w.config, Feature::kLikes, 1.0f);
  set_weight(w.config, Feature::kFollowsAuthor, 2.0f);  // 10: 0.971 + 2 + 0.035 = 3.006
  EXPECT_THAT(order_of(rank(w)), ElementsAre(10, 20));
}

TEST(AlgorithmicPipeline, TheScoreIsTheWeightedSumOfTheFeatures) {
  World w = two_post_world();
  const RankedList list = rank(w);
  ASSERT_EQ(list.entries.size(), 2u);
  for (const RankedEntry& entry : list.entries) {
    double sum = 0;
    for (int i = 0; i < kFeatureCount; ++i) sum += double{w.config.weights[i]} * entry.features[i];
    EXPECT_NEAR(entry.score, sum, 1e-5) << entry.candidate.post;
  }
  // Both posts are an hour old; an age feature, if the feature list has one, adds the same.
  double age_terms = 0;
  if (auto log_age = feature_by_name("log_age_hours")) {
    age_terms = double{w.config.weights[static_cast<int>(*log_age)]} * std::log1p(1.0);
  }
  EXPECT_NEAR(list.entries[0].score,
              std::pow(0.5, 1.0 / 24) + 0.5 + 0.05 * std::log(2.0) + age_terms, 1e-5);
  EXPECT_NEAR(list.entries[1].score, std::pow(0.5, 1.0 / 24) + 0.3 * std::log(4.0) + age_terms,
              1e-5);
}

TEST(AlgorithmicPipeline, SourceScaleTwoAddsLnTwoToItsItemsScores) {
  World w = two_post_world();
  const RankedList before = rank(w);
  w.config.source_scales[static_cast<int>(CandidateSource::kPopular)] = 2.0f;
  const RankedList after = rank(w);
  const RankedEntry* popular_before = entry_of(before, 20);
  const RankedEntry* popular_after = entry_of(after, 20);
  const RankedEntry* following_before = entry_of(before, 10);
  const RankedEntry* following_after = entry_of(after, 10);
  ASSERT_TRUE(popular_before && popular_after && following_before && following_after);
  ASSERT_EQ(popular_after->candidate.source, CandidateSource::kPopular);
  EXPECT_NEAR(popular_after->score - popular_before->score, std::log(2.0), 1e-6);
  EXPECT_FLOAT_EQ(popular_after->source_term, std::log(2.0f));
  EXPECT_EQ(following_after->score, following_before->score);
  EXPECT_EQ(following_after->source_term, 0.0f);
  // 1.387 + 0.693 > 1.506: the popular post now leads.
  EXPECT_THAT(order_of(after), ElementsAre(20, 10));
}

// ---- a richer state: every source and every filter has work ----

// Viewer 1 follows 2 and 5 and mutes 5; user 6 follows 3.
//   10, 11 by 2 (in-network); 50 by 5 (in-network, muted);
//   20 by 3, liked by 4, 6, 7 (collaborative through user 4, out-of-network, popular);
//   22 by 3, liked by the viewer and 4 (already engaged: collaborative and popular skip it);
//   30 by the viewer, liked by 6 (own post: popular skips it);
//   40 by 3, followers-only, liked by 6 (popular; not visible);
//   13 by 8, an hour after now, and 60 by 8 (out-of-network).
World rich_world() {
  World w;
  w.follow(kViewer, 2);
  w.follow(kViewer, 5);
  w.follow(6, 3);
  w.muted = {5};
  w.post(10, 2, kNow - kHour);
  w.post(11, 2, kNow - 2 * kHour);
  w.post(50, 5, kNow - kHour);
  w.post(20, 3, kNow - 3 * kHour);
  w.post(22, 3, kNow - 5 * kHour);
  w.post(30, kViewer, kNow - 4 * kHour);
  w.post(40, 3, kNow - 2 * kHour, Visibility::kFollowers);
  w.post(13, 8, kNow + kHour);
  w.post(60, 8, kNow - kDay);
  for (UserId u : {4, 6, 7}) w.like(u, 20, kNow - kHour);
  for (UserId u : {kViewer, UserId{4}}) w.like(u, 22, kNow - 2 * kHour);
  w.like(6, 30, kNow - kHour);
  w.like(6, 40, kNow - kHour);
  w.viewer_vector.assign(kDimension, 0.0f);
  w.viewer_vector[0] = 0.6f;
  w.viewer_vector[1] = 0.8f;
  w.nearest = {{13, 0.9f}, {60, 0.8f}, {20, 0.7f}};
  for (PostId post : {10, 11, 20, 60}) w.vector(post, static_cast<int>(post % 4));
  return w;
}

TEST(AlgorithmicPipeline, StatsCountCandidatesPerSourceAndRemovalsPerFilter) {
  const World w = rich_world();
  const RankedList list = rank(w);
  const RankingStats& stats = list.stats;
  EXPECT_EQ(stats.config_version, "default-2");
  EXPECT_THAT(stats.degraded, IsEmpty());
  auto found = [&](CandidateSource s) { return stats.candidates[static_cast<int>(s)]; };
  EXPECT_EQ(found(CandidateSource::kSelf), 0u);
  EXPECT_EQ(found(CandidateSource::kFollowing), 3u);          // 50, 10, 11
  EXPECT_EQ(found(CandidateSource::kNetworkEngagement), 0u);  // followees engaged with nothing
  EXPECT_EQ(found(CandidateSource::kCollaborative), 1u);      // 20 (22 skipped)
  EXPECT_EQ(found(CandidateSource::kOutOfNetwork), 3u);       // 13, 60, 20
  EXPECT_EQ(found(CandidateSource::kPopular), 1u);  // 20 (22 and 30 skipped, 40 not visible)
  // The visibility, own-post and already-engaged filters find nothing left: the sources skipped
  // those posts (the filters' own suites test them).
  EXPECT_THAT(stats.removed, ElementsAre(Pair("duplicate", 2u), Pair("deleted_post", 0u),
                                         Pair("created_after_now", 1u), Pair("not_visible", 0u),
                                         Pair("own_post", 0u), Pair("already_engaged", 0u),
                                         Pair("muted_author", 1u)));
  std::vector<PostId> served = order_of(list);
  std::sort(served.begin(), served.end());
  EXPECT_THAT(served, ElementsAre(10, 11, 20, 60));
}

TEST(AlgorithmicPipeline, StatsTimeEverySourceThatRanAndEveryStageAfterThem) {
  const World w = rich_world();
  const RankedList list = rank(w);
  const RankingStats& stats = list.stats;
  for (CandidateSource source : {CandidateSource::kFollowing, CandidateSource::kOutOfNetwork,
                                 CandidateSource::kNetworkEngagement, CandidateSource::kPopular,
                                 CandidateSource::kCollaborative}) {
    EXPECT_GT(stats.source_ns[static_cast<int>(source)], 0u) << source_name(source);
  }
  EXPECT_EQ(stats.source_ns[static_cast<int>(CandidateSource::kSelf)], 0u) << "no such stage";
  for (RankingStage stage : {RankingStage::kFilters, RankingStage::kFeatures,
                             RankingStage::kScoring, RankingStage::kDiversity}) {
    EXPECT_GT(stats.stage_ns[static_cast<int>(stage)], 0u) << stage_name(stage);
  }
  // The viewer's vectors and signals are made before the pipeline, by the engine.
  EXPECT_EQ(stats.stage_ns[static_cast<int>(RankingStage::kVectors)], 0u);
  EXPECT_EQ(stats.stage_ns[static_cast<int>(RankingStage::kSignals)], 0u);
}

TEST(AlgorithmicPipeline, AddTimesSumsBothListsStagesAndSources) {
  RankingStats a;
  RankingStats b;
  a.stage_ns = {1, 2, 3, 4, 5, 6};
  b.stage_ns = {10, 20, 30, 40, 50, 60};
  a.source_ns = {0, 7, 0, 1, 0, 2};
  b.source_ns = {0, 3, 9, 0, 0, 8};
  add_times(a, b);
  EXPECT_THAT(a.stage_ns, ElementsAre(11, 22, 33, 44, 55, 66));
  EXPECT_THAT(a.source_ns, ElementsAre(0, 10, 9, 1, 0, 10));
  EXPECT_THAT(b.stage_ns, ElementsAre(10, 20, 30, 40, 50, 60))
      << "the other list is left as it was";
}

TEST(AlgorithmicPipeline, AnItemIsCreditedToTheFirstSourceAndRemembersEveryFinder) {
  const RankedList list = rank(rich_world());
  const RankedEntry* entry = entry_of(list, 20);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->candidate.source, CandidateSource::kCollaborative);
  EXPECT_EQ(entry->candidate.found_by, source_bit(CandidateSource::kCollaborative) |
                                           source_bit(CandidateSource::kOutOfNetwork) |
                                           source_bit(CandidateSource::kPopular));
  ASSERT_NE(entry_of(list, 60), nullptr);
  EXPECT_EQ(entry_of(list, 60)->candidate.source, CandidateSource::kOutOfNetwork);
}

TEST(AlgorithmicPipeline, ExplanationTermsAddUpToEachScore) {
  World w = rich_world();
  w.config.mmr_penalty = 0.3f;  // so that the diversity terms are not all zero
  const RankedList list = rank(w);
  ASSERT_EQ(list.entries.size(), 4u);
  bool some_author_term = false;
  bool some_mmr_term = false;
  for (const RankedEntry& entry : list.entries) {
    const auto terms = explain(entry, w.config);
    ASSERT_EQ(terms.size(), static_cast<std::size_t>(kFeatureCount) + 3);
    double sum = 0;
    for (const ScoreTerm& term : terms) sum += term.contribution;
    EXPECT_NEAR(sum, entry.score, 1e-4) << entry.candidate.post;
    for (Feature f : all_features()) {
      const ScoreTerm& term = terms[static_cast<int>(f)];
      EXPECT_EQ(term.name, feature_name(f));
      EXPECT_EQ(term.value, entry.features[static_cast<int>(f)]);
      EXPECT_DOUBLE_EQ(term.contribution,
                       double{w.config.weights[static_cast<int>(f)]} * term.value);
    }
    EXPECT_EQ(terms[kFeatureCount].name,
              "source_scale:" + std::string(source_name(entry.candidate.source)));
    EXPECT_EQ(terms[kFeatureCount + 1].name, "author_diversity");
    EXPECT_EQ(terms[kFeatureCount + 1].contribution, entry.author_term);
    EXPECT_EQ(terms[kFeatureCount + 2].name, "near_duplicate");
    EXPECT_EQ(terms[kFeatureCount + 2].contribution, entry.mmr_term);
    some_author_term = some_author_term || entry.author_term != 0;
    some_mmr_term = some_mmr_term || entry.mmr_term != 0;
  }
  EXPECT_TRUE(some_author_term);  // 10 and 11 share an author
  EXPECT_TRUE(some_mmr_term);
}

TEST(AlgorithmicPipeline, ExplanationsAddUpWithSourceScalesToo) {
  World w = rich_world();
  w.config.source_scales[static_cast<int>(CandidateSource::kOutOfNetwork)] = 3.0f;
  w.config.source_scales[static_cast<int>(CandidateSource::kFollowing)] = 0.25f;
  const RankedList list = rank(w);
  ASSERT_FALSE(list.entries.empty());
  for (const RankedEntry& entry : list.entries) {
    double sum = 0;
    for (const ScoreTerm& term : explain(entry, w.config)) sum += term.contribution;
    EXPECT_NEAR(sum, entry.score, 1e-4) << entry.candidate.post;
  }
  EXPECT_FLOAT_EQ(entry_of(list, 60)->source_term, std::log(3.0f));
  EXPECT_FLOAT_EQ(entry_of(list, 10)->source_term, std::log(0.25f));
}

TEST(AlgorithmicPipeline, EntriesAreBestFirstAndCarryTheirFeatures) {
  const World w = rich_world();
  const RankedList list = rank(w);
  EXPECT_EQ(list.viewer, kViewer);
  for (std::size_t i = 1; i < list.entries.size(); ++i) {
    EXPECT_LE(list.entries[i].score, list.entries[i - 1].score) << i;
  }
  const RankedEntry* own_followee = entry_of(list, 10);
  ASSERT_NE(own_followee, nullptr);
  EXPECT_EQ(own_followee->features[static_cast<int>(Feature::kFollowsAuthor)], 1.0f);
  EXPECT_EQ(own_followee->features[static_cast<int>(Feature::kBias)], 1.0f);
}

TEST(AlgorithmicPipeline, TheRankedListSizeLimitsTheEntries) {
  World w = rich_world();
  w.config.ranked_list_size = 2;
  EXPECT_EQ(rank(w).entries.size(), 2u);
}

TEST(AlgorithmicPipeline, AFailingSourceIsNamedInDegradedAndTheOthersStillServe) {
  const World w = rich_world();
  const RankedList healthy = rank(w);
  const RankedList list = rank(w, CandidateSource::kOutOfNetwork);
  ASSERT_EQ(list.stats.degraded.size(), 1u);
  EXPECT_THAT(list.stats.degraded[0], HasSubstr("out_of_network"));
  EXPECT_THAT(list.stats.degraded[0], HasSubstr("shard 3 is down"));
  EXPECT_EQ(list.stats.candidates[static_cast<int>(CandidateSource::kOutOfNetwork)], 0u);
  EXPECT_EQ(list.stats.candidates[static_cast<int>(CandidateSource::kFollowing)], 3u);
  EXPECT_EQ(list.stats.candidates[static_cast<int>(CandidateSource::kPopular)], 1u);
  // What the failing source appended before failing is dropped; 60 came only from it.
  std::vector<PostId> served = order_of(list);
  std::sort(served.begin(), served.end());
  EXPECT_THAT(served, ElementsAre(10, 11, 20));
  EXPECT_THAT(list.stats.removed[0], Pair("duplicate", 1u));  // 20 again from popular
  EXPECT_THAT(list.stats.removed[2], Pair("created_after_now", 0u));
  EXPECT_THAT(healthy.stats.degraded, IsEmpty());
}

TEST(AlgorithmicPipeline, EveryFailingSourceIsNamed) {
  const World w = rich_world();
  for (CandidateSource failing : {CandidateSource::kFollowing, CandidateSource::kNetworkEngagement,
                                  CandidateSource::kCollaborative, CandidateSource::kOutOfNetwork,
                                  CandidateSource::kPopular}) {
    const RankedList list = rank(w, failing);
    ASSERT_EQ(list.stats.degraded.size(), 1u) << source_name(failing);
    EXPECT_THAT(list.stats.degraded[0], HasSubstr(std::string(source_name(failing))));
    EXPECT_FALSE(list.entries.empty()) << source_name(failing);
    for (const RankedEntry& entry : list.entries) EXPECT_NE(entry.candidate.post, 999u);
  }
}

TEST(AlgorithmicPipeline, AnErrorFromRetrievalIsAlsoADegradedSource) {
  World w = rich_world();
  std::vector<std::unique_ptr<CandidateSourceStage>> sources;
  sources.push_back(make_in_network_source());
  sources.push_back(make_out_of_network_source(
      [](const FeedQuery&, int, TimestampMs, std::size_t,
         std::span<const kernels::VectorId>) -> absl::StatusOr<std::vector<kernels::Neighbor>> {
        return absl::InternalError("GPU lost");
      }));
  AlgorithmicPipeline pipeline(std::move(sources), standard_filters(),
                               std::make_shared<const CandidateScorer>());
  auto list = pipeline.rank(w.query(), w.table);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->stats.degraded.size(), 1u);
  EXPECT_THAT(list->stats.degraded[0], HasSubstr("out_of_network"));
  EXPECT_THAT(list->stats.degraded[0], HasSubstr("GPU lost"));
  EXPECT_THAT(order_of(*list), ElementsAre(10, 11));
}

TEST(AlgorithmicPipeline, AQueryPastItsDeadlineIsDeadlineExceeded) {
  const World w = rich_world();
  FeedQuery query = w.query();
  query.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  const AlgorithmicPipeline pipeline = make_pipeline(w);
  auto list = pipeline.rank(query, w.table);
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), absl::StatusCode::kDeadlineExceeded);
  auto input = pipeline.gather(query, w.table);
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(AlgorithmicPipeline, AFarDeadlineDoesNotInterfere) {
  const World w = rich_world();
  FeedQuery query = w.query();
  query.deadline = std::chrono::steady_clock::now() + std::chrono::hours(1);
  auto list = make_pipeline(w).rank(query, w.table);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->entries.size(), 4u);
}

TEST(AlgorithmicPipeline, GatherGivesTheScorersInput) {
  const World w = rich_world();
  auto input = make_pipeline(w).gather(w.query(), w.table);
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_EQ(input->candidates.size(), 4u);
  EXPECT_EQ(input->features.size(), 4u * kFeatureCount);
  EXPECT_EQ(input->stats.candidates[static_cast<int>(CandidateSource::kPopular)], 1u);
}

}  // namespace
}  // namespace feedrank::ranker
