// viewer_may_see directly: the chronological feed only ever asks it about followees' posts (which
// their followers may always see), so the feed alone cannot show that it hides anything.
#include "ranker/filters/visibility_filter.h"

#include <gtest/gtest.h>

namespace feedrank::ranker {
namespace {

class ViewerMaySee : public ::testing::Test {
 protected:
  void SetUp() override {
    for (UserId id : {1, 2, 3}) state_.apply(User{id, "u" + std::to_string(id), 1});
    state_.apply(Follow{2, 1, 1});  // 2 follows 1; 3 follows no one
  }

  static Post post_by(UserId author, Visibility visibility) {
    Post p;
    p.id = 10;
    p.author = author;
    p.created_at = 100;
    p.text = "post";
    p.visibility = visibility;
    return p;
  }

  store::FeedState state_;
};

TEST_F(ViewerMaySee, APublicPostToEveryone) {
  const Post post = post_by(1, Visibility::kPublic);
  for (UserId viewer : {1, 2, 3}) EXPECT_TRUE(viewer_may_see(state_, viewer, post)) << viewer;
  EXPECT_TRUE(viewer_may_see(state_, 42, post)) << "even to an unknown viewer";
}

TEST_F(ViewerMaySee, AFollowersOnlyPostToTheAuthorAndTheirFollowersOnly) {
  const Post post = post_by(1, Visibility::kFollowers);
  EXPECT_TRUE(viewer_may_see(state_, 1, post)) << "the author";
  EXPECT_TRUE(viewer_may_see(state_, 2, post)) << "a follower";
  EXPECT_FALSE(viewer_may_see(state_, 3, post)) << "a non-follower";
  EXPECT_FALSE(viewer_may_see(state_, 42, post)) << "an unknown viewer";
}

TEST_F(ViewerMaySee, FollowingGoesOneWay) {
  // 1 does not follow 2: 2's followers-only post is hidden from 1, though 2 follows 1.
  EXPECT_FALSE(viewer_may_see(state_, 1, post_by(2, Visibility::kFollowers)));
  EXPECT_TRUE(viewer_may_see(state_, 2, post_by(2, Visibility::kFollowers)));
}

TEST_F(ViewerMaySee, AnUnfollowHidesAndAFollowShowsAgain) {
  const Post post = post_by(1, Visibility::kFollowers);
  state_.apply(Unfollow{2, 1});
  EXPECT_FALSE(viewer_may_see(state_, 2, post));
  EXPECT_TRUE(viewer_may_see(state_, 1, post)) << "the author still sees it";
  state_.apply(Follow{3, 1, 2});
  EXPECT_TRUE(viewer_may_see(state_, 3, post));
  EXPECT_FALSE(viewer_may_see(state_, 2, post));
}

}  // namespace
}  // namespace feedrank::ranker
