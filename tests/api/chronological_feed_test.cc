// The chronological feed over the API: followees' posts and the viewer's own, newest first,
// every item with the same score, nothing reordered.
#include <gmock/gmock.h>

#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Property;

constexpr std::uint64_t kViewer = 1;
constexpr std::uint64_t kFollowee = 2;
constexpr std::uint64_t kOtherFollowee = 3;
constexpr std::uint64_t kStranger = 4;

class ChronologicalFeed : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ASSERT_THAT(
        client()
            .upsert_users({user(kViewer), user(kFollowee), user(kOtherFollowee), user(kStranger)})
            .status,
        IsOk());
    ASSERT_THAT(client().follow({edge(kViewer, kFollowee), edge(kViewer, kOtherFollowee)}).status,
                IsOk());
  }
};

TEST_F(ChronologicalFeed, ShowsFolloweesAndOwnPostsNewestFirst) {
  ASSERT_THAT(client()
                  .create_posts({post(10, kFollowee, 1000), post(11, kOtherFollowee, 3000),
                                 post(12, kViewer, 2000), post(13, kFollowee, 4000),
                                 post(14, kStranger, 3500)})
                  .status,
              IsOk());
  EXPECT_THAT(post_ids(client().whole_feed(kViewer)), ElementsAre(13, 11, 12, 10));
}

TEST_F(ChronologicalFeed, BreaksTimeTiesByTheLargerPostIdFirst) {
  ASSERT_THAT(client()
                  .create_posts({post(20, kFollowee, 5000), post(7, kOtherFollowee, 5000),
                                 post(21, kViewer, 5000), post(30, kFollowee, 4000)})
                  .status,
              IsOk());
  EXPECT_THAT(post_ids(client().whole_feed(kViewer)), ElementsAre(21, 20, 7, 30));
}

TEST_F(ChronologicalFeed, CopiesEachPostIntoItsItemWithScoreOneAndItsSource) {
  ASSERT_THAT(client().create_posts({post(10, kFollowee, 1000), post(11, kViewer, 2000)}).status,
              IsOk());
  const auto feed = client().whole_feed(kViewer);
  ASSERT_EQ(feed.size(), 2u);
  EXPECT_EQ(feed[0].post_id(), 11u);
  EXPECT_EQ(feed[0].author_id(), kViewer);
  EXPECT_EQ(feed[0].created_at_ms(), 2000);
  EXPECT_EQ(feed[0].text(), post_text(11));
  EXPECT_EQ(feed[0].source(), v1::CANDIDATE_SOURCE_SELF);
  EXPECT_EQ(feed[1].post_id(), 10u);
  EXPECT_EQ(feed[1].author_id(), kFollowee);
  EXPECT_EQ(feed[1].source(), v1::CANDIDATE_SOURCE_FOLLOWING);
  EXPECT_THAT(feed, Each(Property(&v1::FeedItem::score, 1.0)));
}

TEST_F(ChronologicalFeed, TreatsAnUnspecifiedModeAsChronological) {
  ASSERT_THAT(client().create_posts({post(10, kFollowee, 1000)}).status, IsOk());
  v1::GetFeedRequest request;
  request.set_user_id(kViewer);
  auto reply = client().call(request);
  ASSERT_THAT(reply.status, IsOk());
  EXPECT_THAT(post_ids(reply.response), ElementsAre(10));
}

TEST_F(ChronologicalFeed, IsEmptyWithNoCursorForAViewerWithNothingToSee) {
  ASSERT_THAT(client().create_posts({post(10, kFollowee, 1000)}).status, IsOk());
  auto reply = client().get_feed(kStranger);
  ASSERT_THAT(reply.status, IsOk());
  EXPECT_THAT(reply.response.items(), IsEmpty());
  EXPECT_EQ(reply.response.next_cursor(), "");
}

TEST_F(ChronologicalFeed, UnfollowRemovesTheFolloweesPosts) {
  ASSERT_THAT(
      client().create_posts({post(10, kFollowee, 1000), post(11, kOtherFollowee, 2000)}).status,
      IsOk());
  ASSERT_THAT(client().unfollow({edge(kViewer, kFollowee)}).status, IsOk());
  EXPECT_THAT(post_ids(client().whole_feed(kViewer)), ElementsAre(11));
}

TEST_F(ChronologicalFeed, NeverShowsDeletedPosts) {
  ASSERT_THAT(client()
                  .create_posts({post(10, kFollowee, 1000), post(11, kViewer, 2000),
                                 post(12, kFollowee, 3000)})
                  .status,
              IsOk());
  ASSERT_THAT(client().delete_posts({11, 12}).status, IsOk());
  EXPECT_THAT(post_ids(client().whole_feed(kViewer)), ElementsAre(10));
  EXPECT_THAT(post_ids(client().whole_feed(kFollowee)), ElementsAre(10));
}

TEST_F(ChronologicalFeed, ShowsFollowersOnlyPostsToFollowersAndTheAuthor) {
  ASSERT_THAT(client()
                  .create_posts({post(10, kFollowee, 1000, v1::VISIBILITY_FOLLOWERS),
                                 post(11, kFollowee, 2000, v1::VISIBILITY_PUBLIC)})
                  .status,
              IsOk());
  EXPECT_THAT(post_ids(client().whole_feed(kViewer)), ElementsAre(11, 10));
  EXPECT_THAT(post_ids(client().whole_feed(kFollowee)), ElementsAre(11, 10));
}

TEST_F(ChronologicalFeed, HidesFollowersOnlyPostsFromNonFollowers) {
  ASSERT_THAT(client().create_posts({post(10, kFollowee, 1000, v1::VISIBILITY_FOLLOWERS)}).status,
              IsOk());
  EXPECT_THAT(client().whole_feed(kStranger), IsEmpty());
  ASSERT_THAT(client().unfollow({edge(kViewer, kFollowee)}).status, IsOk());
  EXPECT_THAT(client().whole_feed(kViewer), IsEmpty());
}

TEST_F(ChronologicalFeed, ShowsFollowersOnlyPostsOfAFolloweeToAViewerWhoFollowsBack) {
  // Following is directed: the followee sees the viewer's followers-only post only once it
  // follows the viewer too.
  ASSERT_THAT(client().create_posts({post(10, kViewer, 1000, v1::VISIBILITY_FOLLOWERS)}).status,
              IsOk());
  EXPECT_THAT(client().whole_feed(kFollowee), IsEmpty());
  ASSERT_THAT(client().follow({edge(kFollowee, kViewer)}).status, IsOk());
  EXPECT_THAT(post_ids(client().whole_feed(kFollowee)), ElementsAre(10));
}

class FeedPageSize : public ChronologicalFeed {
 protected:
  // `count` posts by kFollowee, ids 1000.., one ms apart.
  void create_posts(int count) {
    std::vector<v1::Post> posts;
    for (int i = 0; i < count; ++i) posts.push_back(post(1000 + i, kFollowee, 10'000 + i));
    ASSERT_THAT(client().create_posts(posts).status, IsOk());
  }
};

TEST_F(FeedPageSize, DefaultsToFiftyItems) {
  create_posts(60);
  auto reply = client().get_feed(kViewer, /*limit=*/0);
  ASSERT_THAT(reply.status, IsOk());
  EXPECT_EQ(reply.response.items_size(), 50);
  EXPECT_NE(reply.response.next_cursor(), "");
}

TEST_F(FeedPageSize, AcceptsLimitsFromOneToFiveHundred) {
  create_posts(501);
  auto one = client().get_feed(kViewer, 1);
  ASSERT_THAT(one.status, IsOk());
  EXPECT_THAT(post_ids(one.response), ElementsAre(1500));

  auto most = client().get_feed(kViewer, 500);
  ASSERT_THAT(most.status, IsOk());
  EXPECT_EQ(most.response.items_size(), 500);
  auto rest = client().get_feed(kViewer, 500, most.response.next_cursor());
  ASSERT_THAT(rest.status, IsOk());
  EXPECT_THAT(post_ids(rest.response), ElementsAre(1000));
  EXPECT_EQ(rest.response.next_cursor(), "");
}

}  // namespace
}  // namespace feedrank::api_test
