// The pieces GetNearestPosts adds to the (public-only) retrieval index: the followers-only posts a
// viewer may see, scored exactly, and the merge of the two lists in the index's order.
#include "ranker/retrieval/visible_posts.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>

namespace feedrank::ranker {
namespace {

using kernels::Neighbor;

std::vector<kernels::VectorId> ids_of(const std::vector<Neighbor>& list) {
  std::vector<kernels::VectorId> ids;
  for (const Neighbor& n : list) ids.push_back(n.id);
  return ids;
}

TEST(MergeNearest, KeepsTheBestKByScoreThenSmallerId) {
  const std::vector<Neighbor> index = {{5, 0.9f}, {3, 0.5f}, {8, 0.5f}, {1, 0.1f}};
  const std::vector<Neighbor> extra = {{7, 0.5f}, {2, 0.95f}, {4, -1.0f}};
  EXPECT_EQ(ids_of(merge_nearest(index, extra, 5)),
            (std::vector<kernels::VectorId>{2, 5, 3, 7, 8}));
  EXPECT_EQ(ids_of(merge_nearest(index, extra, 100)),
            (std::vector<kernels::VectorId>{2, 5, 3, 7, 8, 1, 4}));
  EXPECT_EQ(ids_of(merge_nearest(index, extra, 1)), (std::vector<kernels::VectorId>{2}));
  EXPECT_EQ(merge_nearest(index, extra, 3)[0], (Neighbor{2, 0.95f})) << "scores are kept";
}

TEST(MergeNearest, EitherListMayBeEmptyAndAnIdComesOnce) {
  const std::vector<Neighbor> some = {{4, 0.2f}, {9, 0.7f}};
  EXPECT_EQ(ids_of(merge_nearest({}, some, 10)), (std::vector<kernels::VectorId>{9, 4}));
  EXPECT_EQ(ids_of(merge_nearest(some, {}, 1)), (std::vector<kernels::VectorId>{9}));
  EXPECT_TRUE(merge_nearest({}, {}, 10).empty());
  EXPECT_EQ(ids_of(merge_nearest(some, some, 10)), (std::vector<kernels::VectorId>{9, 4}));
}

// Many more entries than k, with repeated scores and ids in both lists: the same as a full sort
// of the distinct ids.
TEST(MergeNearest, ALongListGivesWhatAFullSortWould) {
  std::mt19937 rng(3);
  std::vector<Neighbor> a, b;
  for (kernels::VectorId id = 1; id <= 500; ++id) {
    const float score = static_cast<float>(rng() % 40) / 40.0f;
    if (rng() % 2 == 0) a.push_back({id, score});
    if (rng() % 3 == 0) b.push_back({id, score});
  }
  std::vector<Neighbor> reference(a.begin(), a.end());
  for (const Neighbor& n : b) {
    if (std::none_of(a.begin(), a.end(), [&](const Neighbor& m) { return m.id == n.id; })) {
      reference.push_back(n);
    }
  }
  std::sort(reference.begin(), reference.end(), [](const Neighbor& x, const Neighbor& y) {
    return x.score != y.score ? x.score > y.score : x.id < y.id;
  });
  for (int k : {1, 7, 50, 400}) {
    std::vector<Neighbor> expected(reference.begin(),
                                   reference.begin() + std::min<std::ptrdiff_t>(
                                                           k, std::ssize(reference)));
    EXPECT_EQ(merge_nearest(a, b, k), expected) << "k " << k;
  }
}

class FollowersOnlyPosts : public ::testing::Test {
 protected:
  static constexpr int kDim = 32;

  void SetUp() override {
    for (UserId id : {1, 2, 3, 4}) state_.apply(User{id, "u", 1});
    state_.apply(Follow{1, 2, 1});  // 1 follows 2 and 3
    state_.apply(Follow{1, 3, 1});
    add(10, 2, Visibility::kFollowers, 1.0f);
    add(11, 2, Visibility::kPublic, 2.0f);  // public: the index's job
    add(12, 3, Visibility::kFollowers, 3.0f);
    add(13, 4, Visibility::kFollowers, 4.0f);  // 4 is not followed by 1
    add(14, 1, Visibility::kFollowers, 5.0f);  // 1's own
    add(15, 2, Visibility::kFollowers, 6.0f);
  }

  // A post whose vector is `along` on axis 0.
  void add(PostId id, UserId author, Visibility visibility, float along) {
    Post post;
    post.id = id;
    post.author = author;
    post.created_at = 100;
    post.text = "t";
    post.visibility = visibility;
    state_.apply(store::StoredPost{post, false});
    std::vector<float> vector(kDim, 0.0f);
    vector[0] = along;
    table_.upsert(id, vector, visibility == Visibility::kPublic);
  }

  void remove(PostId id) {
    Post tombstone = state_.posts.find(id)->to_post();
    state_.apply(store::StoredPost{tombstone, true});
    table_.remove(id);
  }

  std::vector<Neighbor> sorted(std::vector<Neighbor> list) {
    std::sort(list.begin(), list.end(),
              [](const Neighbor& a, const Neighbor& b) { return a.id < b.id; });
    return list;
  }

  std::vector<Neighbor> scored(UserId viewer, bool include_own,
                               std::vector<kernels::VectorId> exclude = {}) {
    auto list = score_followers_only_posts(state_, table_, viewer, include_own, query_, exclude);
    EXPECT_TRUE(list.ok()) << list.status();
    return list.ok() ? sorted(*std::move(list)) : std::vector<Neighbor>();
  }

  store::FeedState state_;
  embeddings::EmbeddingTable table_{kDim};
  std::vector<float> query_ = [] {
    std::vector<float> q(kDim, 0.0f);
    q[0] = 0.5f;
    return q;
  }();
};

TEST_F(FollowersOnlyPosts, AreThoseOfTheFolloweesScoredAgainstTheQuery) {
  EXPECT_EQ(scored(1, false), (std::vector<Neighbor>{{10, 0.5f}, {12, 1.5f}, {15, 3.0f}}));
  EXPECT_EQ(scored(1, true),
            (std::vector<Neighbor>{{10, 0.5f}, {12, 1.5f}, {14, 2.5f}, {15, 3.0f}}));
  EXPECT_TRUE(scored(4, false).empty()) << "follows no one";
  EXPECT_EQ(scored(4, true), (std::vector<Neighbor>{{13, 2.0f}})) << "their own only";
}

TEST_F(FollowersOnlyPosts, LeaveOutTheExcludedTheDeletedAndTheUnfollowed) {
  EXPECT_EQ(scored(1, false, {12, 99}), (std::vector<Neighbor>{{10, 0.5f}, {15, 3.0f}}));
  remove(15);
  EXPECT_EQ(scored(1, false), (std::vector<Neighbor>{{10, 0.5f}, {12, 1.5f}}));
  state_.apply(Unfollow{1, 2});
  EXPECT_EQ(scored(1, false), (std::vector<Neighbor>{{12, 1.5f}}));
}

// Past the call's deadline the scoring stops with the index's error, where there is a post left
// to score; with none, there is no work to abandon.
TEST_F(FollowersOnlyPosts, StopAtAPassedDeadline) {
  const auto passed = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
  const auto late = score_followers_only_posts(state_, table_, 1, false, query_, {}, passed);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kDeadlineExceeded) << late.status();
  const auto nothing_to_do =
      score_followers_only_posts(state_, table_, 4, false, query_, {}, passed);
  ASSERT_TRUE(nothing_to_do.ok()) << nothing_to_do.status();
  EXPECT_TRUE(nothing_to_do->empty());
  const auto in_time = score_followers_only_posts(state_, table_, 1, false, query_, {},
                                                  std::chrono::steady_clock::now() +
                                                      std::chrono::minutes(1));
  ASSERT_TRUE(in_time.ok()) << in_time.status();
  EXPECT_EQ(sorted(*in_time), (std::vector<Neighbor>{{10, 0.5f}, {12, 1.5f}, {15, 3.0f}}));
}

// A deadline that passes while the posts are scored (200,000 of one followee: tens of
// milliseconds, against a deadline 1 ms ahead) stops the scoring partway, not only at its start.
TEST_F(FollowersOnlyPosts, StopWhenTheDeadlinePassesPartway) {
  constexpr PostId kFirst = 1000;
  constexpr PostId kMany = 200'000;
  for (PostId id = kFirst; id < kFirst + kMany; ++id) add(id, 3, Visibility::kFollowers, 1.0f);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
  const auto late = score_followers_only_posts(state_, table_, 1, false, query_, {}, deadline);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kDeadlineExceeded) << late.status();
}

}  // namespace
}  // namespace feedrank::ranker
