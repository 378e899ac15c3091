// viewer_interest: the user vector blended with the mean of the viewer's own newest posts.
#include "ranker/pipeline/viewer_interest.h"

#include <gtest/gtest.h>

#include <cmath>

namespace feedrank::ranker {
namespace {

constexpr int kDimension = 32;  // the smallest dimension the table takes

std::vector<float> axis(int i) {
  std::vector<float> v(kDimension, 0.0f);
  v[i] = 1.0f;
  return v;
}

class ViewerInterestTest : public ::testing::Test {
 protected:
  ViewerInterestTest() : table_(kDimension) {
    state_.apply(User{1, "viewer", 1});
    add_post(10, 1, 100, axis(0));
    add_post(11, 1, 200, axis(0));
    add_post(12, 1, 300, axis(2));  // after the reading time below
  }

  void add_post(PostId id, UserId author, TimestampMs at, const std::vector<float>& vector) {
    Post post;
    post.id = id;
    post.author = author;
    post.text = "x";
    post.created_at = at;
    state_.apply(store::StoredPost{post, false, 0});
    table_.upsert(id, vector);
  }

  store::FeedState state_;
  embeddings::EmbeddingTable table_;
};

TEST_F(ViewerInterestTest, WithoutAUserVectorItIsTheOwnPostsDirectionUpToNow) {
  const auto v = viewer_interest({}, state_, table_, 1, 250);
  EXPECT_FLOAT_EQ(v[0], 1.0f);
  EXPECT_FLOAT_EQ(v[2], 0.0f);  // post 12 is later than now
}

TEST_F(ViewerInterestTest, BlendsTheUserVectorWithTheOwnPostsShare) {
  const std::vector<float> user = axis(1);
  const auto v = viewer_interest(user, state_, table_, 1, 250, {.own_posts_share = 0.25f});
  const float norm = std::sqrt(0.25f * 0.25f + 0.75f * 0.75f);
  EXPECT_NEAR(v[0], 0.25f / norm, 1e-6);
  EXPECT_NEAR(v[1], 0.75f / norm, 1e-6);
}

TEST_F(ViewerInterestTest, CountsOnlyTheNewestOwnPosts) {
  const auto v = viewer_interest({}, state_, table_, 1, 400, {.own_posts = 1});
  EXPECT_FLOAT_EQ(v[2], 1.0f);
  EXPECT_FLOAT_EQ(v[0], 0.0f);
}

TEST_F(ViewerInterestTest, WithNeitherPartItIsAllZeros) {
  state_.apply(User{2, "new", 1});
  for (float x : viewer_interest({}, state_, table_, 2, 400)) EXPECT_EQ(x, 0.0f);
}

}  // namespace
}  // namespace feedrank::ranker
