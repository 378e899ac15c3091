// Every feature of handcrafted candidates against its hand-computed value.
#include "ranker/pipeline/feature_hydrator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ranker/pipeline/candidate_source.h"
#include "ranker/pipeline/viewer_signals.h"

namespace feedrank::ranker {
namespace {

constexpr TimestampMs kHour = 60LL * 60 * 1000;
constexpr TimestampMs kDay = 24 * kHour;
constexpr TimestampMs kNow = 1700000000000LL;
constexpr int kDimension = 32;

constexpr UserId kViewer = 1;
constexpr UserId kAuthor = 2;       // followed by the viewer, 3 and 4
constexpr PostId kPost = 100;       // by kAuthor, 12 hours old, has a vector
constexpr PostId kOther = 101;      // by kAuthor, 2 days old, the viewer engaged with it; no vector
constexpr PostId kStrangers = 102;  // by user 7, nobody follows 7, no engagements

class FeatureHydratorTest : public ::testing::Test {
 protected:
  FeatureHydratorTest() : table_(kDimension) {
    for (UserId id = 1; id <= 9; ++id) state_.apply(User{id, "u" + std::to_string(id), 0});
    for (UserId follower : {1, 3, 4}) state_.apply(Follow{follower, kAuthor, 0});
    state_.apply(Follow{kViewer, 3, 0});  // the viewer's followees: 2 and 3
    add_post(kPost, kAuthor, kNow - 12 * kHour);
    add_post(kOther, kAuthor, kNow - 2 * kDay);
    add_post(kStrangers, 7, kNow - 3 * kDay);

    // The viewer's history: affinity with kAuthor through kOther.
    engage(kViewer, kOther, EngagementKind::kLike, kNow - 10 * kDay);
    engage(kViewer, kOther, EngagementKind::kComment, kNow - kDay);
    // kPost's engagements.
    engage(3, kPost, EngagementKind::kLike, kNow - 3 * kDay);          // a followee
    engage(3, kPost, EngagementKind::kShare, kNow - 6 * kDay);         // the same followee again
    engage(kAuthor, kPost, EngagementKind::kView, kNow - 36 * kHour);  // another followee
    engage(4, kPost, EngagementKind::kLike, kNow);
    engage(5, kPost, EngagementKind::kView, kNow);
    engage(5, kPost, EngagementKind::kComment, kNow - 9 * kDay);
    // User 6 shares the viewer's only engaged post and engaged with kPost: the one neighbour,
    // cosine 1 / sqrt(1 x 2).
    engage(6, kOther, EngagementKind::kLike, kNow - 2 * kDay);
    engage(6, kPost, EngagementKind::kView, kNow - 3 * kDay);

    post_vector_.resize(kDimension);
    viewer_vector_.resize(kDimension);
    for (int i = 0; i < kDimension; ++i) {
      post_vector_[i] = 0.1f * static_cast<float>(i % 5) - 0.15f;
      viewer_vector_[i] = 0.05f * static_cast<float>((i * 7) % 11) - 0.2f;
    }
    table_.upsert(kPost, post_vector_);
  }

  void add_post(PostId id, UserId author, TimestampMs at) {
    Post post;
    post.id = id;
    post.author = author;
    post.created_at = at;
    post.text = "text";
    state_.apply(store::StoredPost{post, false, ++sequence_});
  }
  void engage(UserId user, PostId post, EngagementKind kind, TimestampMs at) {
    state_.apply(store::StoredEngagement{Engagement{user, post, kind, at}, ++sequence_});
  }

  FeedQuery query(TimestampMs now = kNow) {
    FeedQuery query;
    query.viewer = kViewer;
    query.now = now;
    query.state = &state_;
    query.config = &config_;
    query.viewer_vector = viewer_vector_;
    query.signals = compute_viewer_signals(state_, kViewer, now, config_);
    return query;
  }

  // The feature rows of `posts` (as candidates of the in-network source).
  std::vector<std::array<float, kFeatureCount>> hydrate(const FeedQuery& query,
                                                        std::vector<PostId> posts) {
    Candidates candidates;
    for (PostId post : posts) {
      auto candidate = candidate_of(*query.state, post, CandidateSource::kFollowing);
      EXPECT_TRUE(candidate.has_value()) << post;
      if (candidate) candidates.push_back(*candidate);
    }
    std::vector<float> matrix(candidates.size() * kFeatureCount, -99.0f);
    hydrate_features(query, candidates, table_, matrix);
    std::vector<std::array<float, kFeatureCount>> rows(candidates.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::copy_n(matrix.begin() + static_cast<std::ptrdiff_t>(i * kFeatureCount), kFeatureCount,
                  rows[i].begin());
    }
    return rows;
  }

  store::FeedState state_;
  RankingConfig config_ = default_ranking_config();
  embeddings::EmbeddingTable table_;
  std::vector<float> post_vector_;
  std::vector<float> viewer_vector_;
  store::Sequence sequence_ = 0;
};

float at(const std::array<float, kFeatureCount>& row, Feature f) {
  return row[static_cast<int>(f)];
}

double halves(double half_lives) { return std::pow(0.5, half_lives); }

// Features whose hand-computed value depends only on the post's age in hours, by name (so the
// checks follow the feature list as it grows): log1p(age in hours) for "log_age_hours".
void expect_age_features(const std::array<float, kFeatureCount>& row, double age_hours) {
  if (auto log_age = feature_by_name("log_age_hours")) {
    EXPECT_FLOAT_EQ(row[static_cast<int>(*log_age)], static_cast<float>(std::log1p(age_hours)));
  }
}

bool is_age_feature(Feature f) { return feature_name(f) == "log_age_hours"; }

TEST_F(FeatureHydratorTest, EveryFeatureOfAFollowedAuthorsPostIsHandComputed) {
  ASSERT_EQ(config_.recency_half_life_ms, kDay);
  ASSERT_EQ(config_.affinity_half_life_ms, 30 * kDay);
  const auto rows = hydrate(query(), {kPost});
  ASSERT_EQ(rows.size(), 1u);
  const auto& row = rows[0];

  double similarity = 0;
  for (int i = 0; i < kDimension; ++i) similarity += double{viewer_vector_[i]} * post_vector_[i];
  // Engagement decay in the store: 3-day half-life.
  const double views = halves(36.0 / 72) + 1.0 + halves(1.0);  // users 2, 5, 6
  const double likes = halves(1.0) + 1.0;                      // users 3, 4
  const double comments = halves(3.0);                         // user 5, 9 days ago
  const double shares = halves(2.0);                           // user 3, 6 days ago
  // Trending weights LIKE 1, COMMENT 2 at the 30-day affinity half-life.
  const double affinity = 1.0 * halves(10.0 / 30) + 2.0 * halves(1.0 / 30);

  EXPECT_EQ(at(row, Feature::kBias), 1.0f);
  EXPECT_FLOAT_EQ(at(row, Feature::kSimilarity), static_cast<float>(similarity));
  EXPECT_FLOAT_EQ(at(row, Feature::kRecency), static_cast<float>(halves(0.5)));
  EXPECT_FLOAT_EQ(at(row, Feature::kAuthorAffinity), static_cast<float>(std::log1p(affinity)));
  EXPECT_EQ(at(row, Feature::kFollowsAuthor), 1.0f);
  EXPECT_FLOAT_EQ(at(row, Feature::kViews), static_cast<float>(std::log1p(views)));
  EXPECT_FLOAT_EQ(at(row, Feature::kLikes), static_cast<float>(std::log1p(likes)));
  EXPECT_FLOAT_EQ(at(row, Feature::kComments), static_cast<float>(std::log1p(comments)));
  EXPECT_FLOAT_EQ(at(row, Feature::kShares), static_cast<float>(std::log1p(shares)));
  // Followees 2 (view) and 3 (like and share: counted once).
  EXPECT_FLOAT_EQ(at(row, Feature::kFolloweeEngagements), static_cast<float>(std::log1p(2.0)));
  EXPECT_FLOAT_EQ(at(row, Feature::kAuthorFollowers), static_cast<float>(std::log1p(3.0)));
  EXPECT_EQ(at(row, Feature::kAlreadyEngaged), 0.0f);
  EXPECT_FLOAT_EQ(at(row, Feature::kCollaborative),
                  static_cast<float>(std::log1p(static_cast<float>(1 / std::sqrt(2.0)))));
  expect_age_features(row, 12.0);
}

TEST_F(FeatureHydratorTest, APostTheViewerEngagedWithAndWithoutAVector) {
  const auto rows = hydrate(query(), {kOther});
  const auto& row = rows[0];
  EXPECT_EQ(at(row, Feature::kSimilarity), 0.0f);  // not in the table
  EXPECT_FLOAT_EQ(at(row, Feature::kRecency), static_cast<float>(halves(2.0)));
  EXPECT_EQ(at(row, Feature::kAlreadyEngaged), 1.0f);
  EXPECT_EQ(at(row, Feature::kFollowsAuthor), 1.0f);
  EXPECT_EQ(at(row, Feature::kViews), 0.0f);
  // Likes by the viewer (10 days ago) and user 6 (2 days ago); the viewer's comment a day ago.
  EXPECT_FLOAT_EQ(at(row, Feature::kLikes),
                  static_cast<float>(std::log1p(halves(10.0 / 3) + halves(2.0 / 3))));
  EXPECT_FLOAT_EQ(at(row, Feature::kComments), static_cast<float>(std::log1p(halves(1.0 / 3))));
  EXPECT_EQ(at(row, Feature::kFolloweeEngagements), 0.0f);  // only the viewer and user 6
  // The neighbour (user 6) engaged with it too.
  EXPECT_FLOAT_EQ(at(row, Feature::kCollaborative),
                  static_cast<float>(std::log1p(static_cast<float>(1 / std::sqrt(2.0)))));
}

TEST_F(FeatureHydratorTest, AStrangersPostWithNoEngagementsHasOnlyBiasAgeAndAuthorPosts) {
  const auto rows = hydrate(query(), {kStrangers});
  const auto& row = rows[0];
  expect_age_features(row, 72.0);
  for (Feature f : all_features()) {
    if (f == Feature::kBias) {
      EXPECT_EQ(at(row, f), 1.0f);
    } else if (f == Feature::kAuthorPosts) {
      EXPECT_FLOAT_EQ(at(row, f), static_cast<float>(std::log1p(1.0)));  // user 7's one post
    } else if (f == Feature::kRecency) {
      EXPECT_FLOAT_EQ(at(row, f), static_cast<float>(halves(3.0)));
    } else if (!is_age_feature(f)) {
      EXPECT_EQ(at(row, f), 0.0f) << feature_name(f);
    }
  }
}

// Read at a past time, the author counts only the posts written by then.
TEST_F(FeatureHydratorTest, AuthorPostsReadAtNowLeaveOutLaterPosts) {
  add_post(kPost + 100, kAuthor, kNow + kDay);  // written after now
  const auto row = hydrate(query(), {kPost})[0];
  EXPECT_FLOAT_EQ(at(row, Feature::kAuthorPosts), static_cast<float>(std::log1p(2.0)));
}

TEST_F(FeatureHydratorTest, RowsFollowTheCandidatesOrder) {
  const auto together = hydrate(query(), {kStrangers, kPost, kOther});
  const auto strangers = hydrate(query(), {kStrangers});
  const auto post = hydrate(query(), {kPost});
  const auto other = hydrate(query(), {kOther});
  EXPECT_EQ(together[0], strangers[0]);
  EXPECT_EQ(together[1], post[0]);
  EXPECT_EQ(together[2], other[0]);
  // An author's features are looked up once a request: its second post, after another author's,
  // still gets its own author's.
  const auto interleaved = hydrate(query(), {kPost, kStrangers, kOther});
  EXPECT_EQ(interleaved[0], post[0]);
  EXPECT_EQ(interleaved[1], strangers[0]);
  EXPECT_EQ(interleaved[2], other[0]);
}

TEST_F(FeatureHydratorTest, NoViewerVectorMeansZeroSimilarity) {
  FeedQuery q = query();
  q.viewer_vector = {};
  EXPECT_EQ(at(hydrate(q, {kPost})[0], Feature::kSimilarity), 0.0f);
}

TEST_F(FeatureHydratorTest, RecencyUsesTheConfigsHalfLife) {
  config_.recency_half_life_ms = 6 * kHour;  // the post is two half-lives old
  EXPECT_FLOAT_EQ(at(hydrate(query(), {kPost})[0], Feature::kRecency), 0.25f);
  config_.recency_half_life_ms = 48 * kHour;
  EXPECT_FLOAT_EQ(at(hydrate(query(), {kPost})[0], Feature::kRecency),
                  static_cast<float>(halves(0.25)));
}

TEST_F(FeatureHydratorTest, AuthorAffinityUsesTheConfigsHalfLife) {
  config_.affinity_half_life_ms = kDay;
  const double affinity = 1.0 * halves(10.0) + 2.0 * halves(1.0);
  EXPECT_FLOAT_EQ(at(hydrate(query(), {kPost})[0], Feature::kAuthorAffinity),
                  static_cast<float>(std::log1p(affinity)));
}

TEST_F(FeatureHydratorTest, DataYearsOldGivesTheSameFeatures) {
  // The same world five years earlier gives the same rows (ages, not absolute times, count).
  constexpr TimestampMs kShift = 5 * 365 * kDay;
  store::FeedState old;
  for (const auto& [id, user] : state_.users) old.apply(user);
  for (UserId follower : {1, 3, 4}) old.apply(Follow{follower, kAuthor, 0});
  old.apply(Follow{kViewer, 3, 0});
  store::Sequence sequence = 0;
  for (PostId id : {kPost, kOther, kStrangers}) {
    Post post = state_.posts.find(id)->to_post();
    post.created_at -= kShift;
    old.apply(store::StoredPost{post, false, ++sequence});
  }
  for (PostId id : {kPost, kOther, kStrangers}) {
    for (const store::PostEngager& e : state_.engagements.by_post(id)) {
      old.apply(store::StoredEngagement{Engagement{e.user, id, e.kind, e.at - kShift}, ++sequence});
    }
  }
  FeedQuery old_query = query(kNow - kShift);
  old_query.state = &old;
  old_query.signals = compute_viewer_signals(old, kViewer, kNow - kShift, config_);
  const auto expected = hydrate(query(), {kPost, kOther, kStrangers});
  const auto actual = hydrate(old_query, {kPost, kOther, kStrangers});
  for (std::size_t r = 0; r < expected.size(); ++r) {
    for (Feature f : all_features()) {
      EXPECT_NEAR(at(actual[r], f), at(expected[r], f), 1e-5f) << r << " " << feature_name(f);
    }
  }
}

// In a replay at a past time (as_of), engagements after `now` do not count (a running decayed
// sum would weigh them 2^(+(at - now) / half_life), more than a fresh one).
TEST_F(FeatureHydratorTest, AReplayAtAPastTimeIgnoresEngagementsAfterNow) {
  engage(8, kPost, EngagementKind::kLike, kNow + 7 * kDay);
  engage(8, kPost, EngagementKind::kShare, kNow + 365 * kDay);
  const auto row = hydrate(query(), {kPost})[0];
  EXPECT_FLOAT_EQ(at(row, Feature::kLikes), static_cast<float>(std::log1p(halves(1.0) + 1.0)));
  EXPECT_FLOAT_EQ(at(row, Feature::kShares), static_cast<float>(std::log1p(halves(2.0))));
}

}  // namespace
}  // namespace feedrank::ranker
