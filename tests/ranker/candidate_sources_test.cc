// The five candidate sources of the algorithmic feed, each on a handcrafted FeedState.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <vector>

#include "ranker/pipeline/candidate_source.h"
#include "ranker/pipeline/sources/ranked_map_source.h"
#include "ranker/pipeline/viewer_signals.h"

namespace feedrank::ranker {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr TimestampMs kHour = 60LL * 60 * 1000;
constexpr TimestampMs kDay = 24 * kHour;
constexpr TimestampMs kNow = 1700000000000LL;

// A FeedState built through apply(), as the store builds it, and the queries made on it.
class World {
 public:
  World() {
    for (UserId id = 1; id <= 20; ++id) state.apply(User{id, "u" + std::to_string(id), 0});
  }
  void post(PostId id, UserId author, TimestampMs at, Visibility visibility = Visibility::kPublic) {
    Post post;
    post.id = id;
    post.author = author;
    post.created_at = at;
    post.text = "post " + std::to_string(id);
    post.visibility = visibility;
    posts_[id] = post;
    state.apply(store::StoredPost{post, false, ++sequence_});
  }
  void remove(PostId id) { state.apply(store::StoredPost{posts_.at(id), true, ++sequence_}); }
  void follow(UserId follower, UserId followee) { state.apply(Follow{follower, followee, 0}); }
  void engage(UserId user, PostId post, TimestampMs at,
              EngagementKind kind = EngagementKind::kLike) {
    state.apply(store::StoredEngagement{Engagement{user, post, kind, at}, ++sequence_});
  }
  // Signals are computed here, once, as the engine does per request.
  FeedQuery query(UserId viewer, TimestampMs now = kNow) const {
    FeedQuery query;
    query.viewer = viewer;
    query.now = now;
    query.state = &state;
    query.config = &config;
    query.signals = compute_viewer_signals(state, viewer, now, config);
    return query;
  }

  store::FeedState state;
  RankingConfig config = default_ranking_config();

 private:
  absl::flat_hash_map<PostId, Post> posts_;
  store::Sequence sequence_ = 0;
};

Candidates fetch(const CandidateSourceStage& source, const FeedQuery& query) {
  Candidates out;
  const absl::Status status = source.fetch(query, out);
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

std::vector<PostId> ids(const Candidates& candidates) {
  std::vector<PostId> out;
  for (const Candidate& c : candidates) out.push_back(c.post);
  return out;
}

std::vector<PostId> sorted_ids(const Candidates& candidates) {
  auto out = ids(candidates);
  std::sort(out.begin(), out.end());
  return out;
}

// Every candidate carries the source's tag and bit and the post's author, time and visibility.
void expect_tagged(const Candidates& candidates, CandidateSource source,
                   const store::FeedState& state) {
  for (const Candidate& c : candidates) {
    EXPECT_EQ(c.source, source) << c.post;
    EXPECT_EQ(c.found_by, source_bit(source)) << c.post;
    const store::PostView* view = state.posts.find(c.post);
    ASSERT_NE(view, nullptr) << c.post;
    EXPECT_EQ(c.author, view->author) << c.post;
    EXPECT_EQ(c.created_at, view->created_at) << c.post;
    EXPECT_EQ(c.visibility, view->visibility) << c.post;
  }
}

// ---- in-network ----

// Viewer 1 follows 2 and 3, not 4.
World in_network_world() {
  World w;
  w.follow(1, 2);
  w.follow(1, 3);
  w.post(20, 2, kNow - 5 * kHour);
  w.post(21, 2, kNow - 4 * kHour);
  w.post(22, 2, kNow - 1 * kHour);
  w.post(23, 2, kNow + kHour);  // after now
  w.post(30, 3, kNow - 2 * kHour);
  w.post(31, 3, kNow - 6 * kHour);
  w.post(32, 3, kNow, Visibility::kFollowers);  // exactly now: in
  w.post(40, 4, kNow - 30 * 60 * 1000);         // not followed
  w.post(10, 1, kNow - 10 * 60 * 1000);         // the viewer's own
  return w;
}

TEST(InNetworkSource, TakesAtMostPerAuthorNewestPostsOfEachFollowee) {
  World w = in_network_world();
  w.config.in_network_per_author = 2;
  const auto found = fetch(*make_in_network_source(), w.query(1));
  EXPECT_EQ(sorted_ids(found), (std::vector<PostId>{21, 22, 30, 32}));
  expect_tagged(found, CandidateSource::kFollowing, w.state);
  ASSERT_EQ(found.front().post, 32u) << "the followers-only post is there, tagged so";
  EXPECT_EQ(found.front().visibility, Visibility::kFollowers);
}

TEST(InNetworkSource, KeepsTheTotalNewestOverallNewestFirst) {
  World w = in_network_world();
  w.config.in_network_per_author = 10;
  w.config.in_network_total = 3;
  EXPECT_THAT(ids(fetch(*make_in_network_source(), w.query(1))), ElementsAre(32, 22, 30));
}

TEST(InNetworkSource, PerAuthorIsAppliedBeforeTheTotal) {
  World w = in_network_world();
  w.config.in_network_per_author = 1;
  w.config.in_network_total = 3;
  // Newest of 2: 22; newest of 3: 32.
  EXPECT_THAT(ids(fetch(*make_in_network_source(), w.query(1))), ElementsAre(32, 22));
}

TEST(InNetworkSource, NeverReturnsPostsAfterNowNorPostsOfNonFollowees) {
  World w = in_network_world();
  const auto found = ids(fetch(*make_in_network_source(), w.query(1)));
  EXPECT_EQ(std::count(found.begin(), found.end(), 23), 0);  // after now
  EXPECT_EQ(std::count(found.begin(), found.end(), 40), 0);  // author 4 is not followed
  EXPECT_EQ(std::count(found.begin(), found.end(), 10), 0);  // the viewer does not follow self
  EXPECT_EQ(found.size(), 6u);
}

TEST(InNetworkSource, APostAppearsOnceNowHasPassedIt) {
  World w = in_network_world();
  EXPECT_EQ(sorted_ids(fetch(*make_in_network_source(), w.query(1, kNow + kHour))),
            (std::vector<PostId>{20, 21, 22, 23, 30, 31, 32}));
}

TEST(InNetworkSource, SkipsDeletedPostsAndForgetsUnfollowedAccounts) {
  World w = in_network_world();
  w.remove(22);
  w.state.apply(Unfollow{1, 3});
  EXPECT_EQ(sorted_ids(fetch(*make_in_network_source(), w.query(1))),
            (std::vector<PostId>{20, 21}));
}

TEST(InNetworkSource, AViewerWhoFollowsNobodyGetsNothing) {
  World w = in_network_world();
  EXPECT_THAT(fetch(*make_in_network_source(), w.query(9)), IsEmpty());
}

// ---- network engagement ----

// Viewer 1 follows 2, 3 and 4. Posts 50..56 by author 10.
World network_world() {
  World w;
  for (UserId followee : {2, 3, 4}) w.follow(1, followee);
  for (PostId id = 50; id <= 56; ++id) w.post(id, 10, kNow - 10 * kDay);
  // 50: three followees; 51: two; 52: one (twice); 53: five non-followees.
  for (UserId u : {2, 3, 4}) w.engage(u, 50, kNow - kDay);
  for (UserId u : {3, 4}) w.engage(u, 51, kNow - 2 * kDay);
  w.engage(2, 52, kNow - kHour);
  w.engage(2, 52, kNow - 2 * kHour, EngagementKind::kShare);
  for (UserId u : {11, 12, 13, 14, 15}) w.engage(u, 53, kNow - kHour);
  return w;
}

TEST(NetworkEngagementSource, RanksByDistinctFolloweesWhoEngaged) {
  World w = network_world();
  const auto found = fetch(*make_network_engagement_source(), w.query(1));
  EXPECT_THAT(ids(found), ElementsAre(50, 51, 52));
  expect_tagged(found, CandidateSource::kNetworkEngagement, w.state);
}

TEST(NetworkEngagementSource, RespectsTheTotal) {
  World w = network_world();
  w.config.network_engagement_total = 2;
  EXPECT_THAT(ids(fetch(*make_network_engagement_source(), w.query(1))), ElementsAre(50, 51));
}

TEST(NetworkEngagementSource, FillsTheTotalPastADeletedPost) {
  World w = network_world();
  w.config.network_engagement_total = 2;
  w.remove(50);
  EXPECT_THAT(ids(fetch(*make_network_engagement_source(), w.query(1))), ElementsAre(51, 52));
}

TEST(NetworkEngagementSource, IgnoresEngagementsAfterNow) {
  World w = network_world();
  // Three more followee engagements on 54, all after now (arriving last, in time order).
  for (UserId u : {2, 3, 4}) w.engage(u, 54, kNow + kHour);
  EXPECT_THAT(ids(fetch(*make_network_engagement_source(), w.query(1))), ElementsAre(50, 51, 52));
  // Read later, they count.
  EXPECT_THAT(ids(fetch(*make_network_engagement_source(), w.query(1, kNow + 2 * kHour))),
              ElementsAre(54, 50, 51, 52));
}

// Engagement times are client-supplied and arrive in any order: an engagement after now is left
// out wherever it sits in a followee's arrival-ordered list, not only at its end.
TEST(NetworkEngagementSource, IgnoresEngagementsAfterNowEvenWhenOlderOnesArriveLater) {
  World w = network_world();
  for (UserId u : {2, 3, 4}) {
    w.engage(u, 55, kNow + kDay);      // after now...
    w.engage(u, 56, kNow - 3 * kDay);  // ...then an older one arrives
  }
  const auto found = ids(fetch(*make_network_engagement_source(), w.query(1)));
  EXPECT_EQ(std::count(found.begin(), found.end(), 55), 0)
      << "post 55 was engaged with only after now";
  EXPECT_EQ(std::count(found.begin(), found.end(), 56), 1);
}

// Followees like the viewer's own posts and the posts the viewer liked too: the filters remove
// those, so the source gives their slots to the next best.
TEST(NetworkEngagementSource, SpendsNoSlotOnPostsTheViewersFiltersRemove) {
  World w = network_world();
  w.post(57, 1, kNow - 10 * kDay);  // the viewer's own
  for (UserId u : {2, 3, 4}) w.engage(u, 57, kNow - kHour);
  w.engage(1, 50, kNow - kDay);  // the viewer liked 50 too
  w.config.network_engagement_total = 2;
  EXPECT_THAT(ids(fetch(*make_network_engagement_source(), w.query(1))), ElementsAre(51, 52));
  FeedQuery muting = w.query(1);
  muting.muted_authors.insert(10);
  EXPECT_THAT(fetch(*make_network_engagement_source(), muting), IsEmpty());
}

TEST(NetworkEngagementSource, SkipsDeletedPosts) {
  World w = network_world();
  w.remove(50);
  EXPECT_THAT(ids(fetch(*make_network_engagement_source(), w.query(1))), ElementsAre(51, 52));
}

// ---- popular ----

// Posts 60..65 by author 10 (65 created after now) with decreasing trending weight.
World popular_world() {
  World w;
  for (PostId id = 60; id <= 64; ++id) w.post(id, 10, kNow - 5 * kDay);
  w.post(65, 10, kNow + kDay);
  // Shares (3 each) at the same time: 65 has 6, 60 has 5, ..., 64 has 1.
  for (int i = 0; i < 6; ++i)
    w.engage(static_cast<UserId>(i + 1), 65, kNow - kHour, EngagementKind::kShare);
  for (PostId id = 60; id <= 64; ++id) {
    for (PostId i = 0; i < 65 - id; ++i) {
      w.engage(static_cast<UserId>(i + 1), id, kNow - kHour, EngagementKind::kShare);
    }
  }
  return w;
}

// A viewer who engaged with none of the world's posts.
constexpr UserId kOutsider = 20;

std::vector<PostId> store_trending(const store::FeedState& state) {
  std::vector<PostId> order;
  state.engagements.for_each_trending([&](PostId post) {
    order.push_back(post);
    return true;
  });
  return order;
}

TEST(PopularSource, FollowsTheStoresTrendingOrder) {
  World w = popular_world();
  ASSERT_THAT(store_trending(w.state), ElementsAre(65, 60, 61, 62, 63, 64));
  const auto found = fetch(*make_popular_source(), w.query(kOutsider));
  EXPECT_THAT(ids(found), ElementsAre(60, 61, 62, 63, 64));  // 65 is after now
  expect_tagged(found, CandidateSource::kPopular, w.state);
}

TEST(PopularSource, SkipsDeletedAndFuturePostsAndRespectsTheTotal) {
  World w = popular_world();
  w.remove(60);
  w.config.popular_total = 2;
  EXPECT_THAT(ids(fetch(*make_popular_source(), w.query(kOutsider))), ElementsAre(61, 62));
}

TEST(PopularSource, SpendsNoSlotOnPostsTheViewersFiltersRemove) {
  World w = popular_world();
  w.config.popular_total = 2;
  // User 1 shared 60..64 in the world: no popular post is left for it.
  EXPECT_THAT(fetch(*make_popular_source(), w.query(1)), IsEmpty());
  w.engage(7, 61, kNow - kHour);
  EXPECT_THAT(ids(fetch(*make_popular_source(), w.query(7))), ElementsAre(60, 62));
}

// A popular followers-only post is no candidate for a viewer who does not follow its author: the
// visibility filter would remove it after it took a slot.
TEST(PopularSource, SpendsNoSlotOnFollowersOnlyPostsTheViewerMayNotSee) {
  World w = popular_world();
  w.post(59, 11, kNow - 5 * kDay, Visibility::kFollowers);
  for (UserId u = 1; u <= 8; ++u) w.engage(u, 59, kNow - kHour, EngagementKind::kShare);
  w.follow(19, 11);
  w.config.popular_total = 2;
  EXPECT_THAT(ids(fetch(*make_popular_source(), w.query(kOutsider))), ElementsAre(60, 61));
  EXPECT_THAT(ids(fetch(*make_popular_source(), w.query(19))), ElementsAre(59, 60));
}

TEST(PopularSource, ATotalOfZeroGivesNothing) {
  World w = popular_world();
  w.config.popular_total = 0;
  EXPECT_THAT(fetch(*make_popular_source(), w.query(kOutsider)), IsEmpty());
}

TEST(PopularSource, AFreshEngagementReordersIt) {
  World w = popular_world();
  for (UserId u = 1; u <= 4; ++u) w.engage(u, 64, kNow, EngagementKind::kShare);
  EXPECT_THAT(ids(fetch(*make_popular_source(), w.query(kOutsider))), ElementsAre(64, 60, 61, 62, 63));
}

// ---- collaborative ----

// Viewer 1 engaged with 70, 71, 72. User 2 engaged with all three and with 80 (overlap 3 of 4:
// cosine 3 / sqrt(3 x 4) = 0.866); user 3 only with 70 and with 90, 91, 92 (1 / sqrt(3 x 4) =
// 0.289).
World collaborative_world() {
  World w;
  for (PostId id : {70, 71, 72, 80, 90, 91, 92}) w.post(id, 10, kNow - 5 * kDay);
  for (PostId id : {70, 71, 72}) w.engage(1, id, kNow - 2 * kDay);
  for (PostId id : {70, 71, 72, 80}) w.engage(2, id, kNow - kDay);
  for (PostId id : {70, 90, 91, 92}) w.engage(3, id, kNow - kDay);
  return w;
}

std::ptrdiff_t position(const std::vector<PostId>& list, PostId post) {
  auto it = std::find(list.begin(), list.end(), post);
  return it == list.end() ? -1 : it - list.begin();
}

TEST(CollaborativeSource, TheStronglyOverlappingUsersPostsComeFirst) {
  World w = collaborative_world();
  const auto found = fetch(*make_collaborative_source(), w.query(1));
  const auto order = ids(found);
  ASSERT_GE(position(order, 80), 0);
  for (PostId weak : {90, 91, 92}) {
    ASSERT_GE(position(order, weak), 0) << weak;
    EXPECT_LT(position(order, 80), position(order, weak)) << weak;
  }
  expect_tagged(found, CandidateSource::kCollaborative, w.state);
}

TEST(CollaborativeSource, OrdersBySummedNeighbourSimilarityTiesByLargerId) {
  World w = collaborative_world();
  // 80: 0.866; 92, 91, 90: 0.289. The neighbours' best posts, 70 (0.866 + 0.289), 72 and 71, are
  // the viewer's own history: the already-engaged filter would remove them, so they take no slot.
  EXPECT_THAT(ids(fetch(*make_collaborative_source(), w.query(1))), ElementsAre(80, 92, 91, 90));
}

TEST(CollaborativeSource, RespectsTheTotal) {
  World w = collaborative_world();
  w.config.collaborative_total = 2;
  EXPECT_THAT(ids(fetch(*make_collaborative_source(), w.query(1))), ElementsAre(80, 92));
}

TEST(CollaborativeSource, OneNeighbourKeepsOnlyTheNearest) {
  World w = collaborative_world();
  w.config.collaborative_neighbours = 1;
  EXPECT_THAT(ids(fetch(*make_collaborative_source(), w.query(1))), ElementsAre(80));
}

TEST(CollaborativeSource, AViewerWithoutHistoryGetsNothing) {
  World w = collaborative_world();
  EXPECT_THAT(fetch(*make_collaborative_source(), w.query(9)), IsEmpty());
}

// ---- out-of-network ----

struct FakeNearest {
  std::vector<kernels::Neighbor> answer;
  absl::Status error = absl::OkStatus();
  int calls = 0;
  int last_k = 0;
  TimestampMs last_oldest = 0;
  std::size_t last_max_scan = 0;
  std::vector<float> last_query;
  std::vector<kernels::VectorId> last_exclude;

  NearestPublicPosts function() {
    return [this](const FeedQuery& query, int k, TimestampMs oldest, std::size_t max_scan_posts,
                  std::span<const kernels::VectorId> exclude)
               -> absl::StatusOr<std::vector<kernels::Neighbor>> {
      ++calls;
      last_max_scan = max_scan_posts;
      last_exclude.assign(exclude.begin(), exclude.end());
      last_k = k;
      last_oldest = oldest;
      last_query.assign(query.viewer_vector.begin(), query.viewer_vector.end());
      if (!error.ok()) return error;
      return answer;
    };
  }
};

// A 30-day window (the default is shorter).
World out_of_network_world() {
  World w;
  w.config.out_of_network_max_age_ms = 30 * kDay;
  w.post(60, 10, kNow - kDay);
  w.post(61, 11, kNow - 31 * kDay);  // older than 30 days
  w.post(62, 12, kNow - kDay);       // deleted below
  w.post(64, 13, kNow - 29 * kDay);
  w.post(65, 14, kNow - 2 * kHour);
  w.remove(62);
  return w;
}

TEST(OutOfNetworkSource, KeepsTheIndexsOrderAndDropsOldDeletedAndUnknownPosts) {
  World w = out_of_network_world();
  FakeNearest nearest;
  nearest.answer = {{65, 0.9f}, {61, 0.8f}, {62, 0.7f}, {63, 0.6f}, {60, 0.5f}, {64, 0.4f}};
  const std::vector<float> viewer(32, 0.25f);
  FeedQuery query = w.query(1);
  query.viewer_vector = viewer;
  const auto found = fetch(*make_out_of_network_source(nearest.function()), query);
  EXPECT_THAT(ids(found), ElementsAre(65, 60, 64));
  expect_tagged(found, CandidateSource::kOutOfNetwork, w.state);
  EXPECT_EQ(nearest.calls, 1);
  EXPECT_EQ(nearest.last_k, w.config.out_of_network_k);
  EXPECT_EQ(nearest.last_oldest, kNow - 30 * kDay);
  EXPECT_EQ(nearest.last_query, viewer);
}

TEST(OutOfNetworkSource, LeavesTheViewersEngagedAndOwnPostsOutOfTheSearch) {
  World w = out_of_network_world();
  w.post(70, 1, kNow - kDay);  // the viewer's own
  FakeNearest nearest;
  const std::vector<float> viewer(32, 0.25f);
  FeedQuery query = w.query(1);
  query.viewer_vector = viewer;
  query.signals.engaged = {60, 64};
  fetch(*make_out_of_network_source(nearest.function()), query);
  EXPECT_THAT(nearest.last_exclude, ::testing::UnorderedElementsAre(60, 64, 70));
}

TEST(OutOfNetworkSource, MaxAgeKAndScanBudgetComeFromTheRequestsConfig) {
  World w = out_of_network_world();
  w.config.out_of_network_max_age_ms = 12 * kHour;
  w.config.out_of_network_k = 7;
  w.config.out_of_network_max_scan_posts = 1234;  // an experiment arm's own budget
  FakeNearest nearest;
  nearest.answer = {{60, 0.9f}, {64, 0.8f}, {65, 0.7f}};
  const std::vector<float> viewer(32, 1.0f);
  FeedQuery query = w.query(1);
  query.viewer_vector = viewer;
  EXPECT_THAT(ids(fetch(*make_out_of_network_source(nearest.function()), query)), ElementsAre(65));
  EXPECT_EQ(nearest.last_k, 7);
  EXPECT_EQ(nearest.last_oldest, kNow - 12 * kHour);
  EXPECT_EQ(nearest.last_max_scan, 1234u);
}

TEST(OutOfNetworkSource, ReturnsNothingWithoutAViewerVector) {
  World w = out_of_network_world();
  FakeNearest nearest;
  nearest.answer = {{60, 0.9f}};
  EXPECT_THAT(fetch(*make_out_of_network_source(nearest.function()), w.query(1)), IsEmpty());
  EXPECT_EQ(nearest.calls, 0);
}

TEST(OutOfNetworkSource, PassesTheIndexsErrorThrough) {
  World w = out_of_network_world();
  FakeNearest nearest;
  nearest.error = absl::UnavailableError("retrieval index lost");
  const std::vector<float> viewer(32, 1.0f);
  FeedQuery query = w.query(1);
  query.viewer_vector = viewer;
  Candidates out;
  const absl::Status status = make_out_of_network_source(nearest.function())->fetch(query, out);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "retrieval index lost");
  EXPECT_THAT(out, IsEmpty());
}

// ---- append_best (network engagement and collaborative) ----

// Orders only as many as it needs, and must give what a whole sort would: the `total` best live
// posts by (value, larger id), however many of them are deleted.
TEST(AppendBest, GivesTheWholeSortsBestLivePosts) {
  World w;
  std::mt19937_64 rng(11);
  absl::flat_hash_map<PostId, std::uint32_t> values;
  std::vector<std::pair<std::uint32_t, PostId>> live;
  for (PostId id = 100; id < 400; ++id) {
    w.post(id, 2, kNow - kHour);
    values[id] = static_cast<std::uint32_t>(rng() % 20);  // many equal values
    if (rng() % 3 == 0) {
      w.remove(id);
    } else {
      live.emplace_back(values[id], id);
    }
  }
  std::sort(live.begin(), live.end(), std::greater<>());
  for (int total : {0, 1, 7, 50, 199, 1000}) {
    Candidates out;
    append_best(w.query(1), values, total, CandidateSource::kCollaborative, out);
    std::vector<PostId> expected;
    for (std::size_t i = 0; i < live.size() && static_cast<int>(i) < total; ++i) {
      expected.push_back(live[i].second);
    }
    EXPECT_EQ(ids(out), expected) << "total " << total;
  }
}

// ---- candidate_of ----

TEST(CandidateOf, GivesLivePostsOnly) {
  World w = out_of_network_world();
  auto live = candidate_of(w.state, 60, CandidateSource::kPopular);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->author, 10u);
  EXPECT_EQ(live->created_at, kNow - kDay);
  EXPECT_EQ(live->found_by, source_bit(CandidateSource::kPopular));
  EXPECT_FALSE(candidate_of(w.state, 62, CandidateSource::kPopular).has_value());
  EXPECT_FALSE(candidate_of(w.state, 999, CandidateSource::kPopular).has_value());
}

}  // namespace
}  // namespace feedrank::ranker
