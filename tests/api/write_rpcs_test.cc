// Each unary write RPC over a real channel: what it answers and what GetStats counts after it.
#include <gmock/gmock.h>

#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::ElementsAre;

class WriteRpcs : public ApiTest {};

TEST_F(WriteRpcs, AnEmptyStoreCountsNothing) {
  EXPECT_THAT(client().stats(), StatsAre(0, 0, 0, 0));
}

TEST_F(WriteRpcs, UpsertUsersCountsNewAndChangedUsers) {
  auto created = client().upsert_users({user(1), user(2)});
  ASSERT_THAT(created.status, IsOk());
  EXPECT_EQ(created.response.created(), 2u);
  EXPECT_EQ(created.response.updated(), 0u);

  v1::User renamed = user(2);
  renamed.set_handle("new-handle");
  auto updated = client().upsert_users({renamed, user(3)});
  ASSERT_THAT(updated.status, IsOk());
  EXPECT_EQ(updated.response.created(), 1u);
  EXPECT_EQ(updated.response.updated(), 1u);

  EXPECT_THAT(client().stats(), StatsAre(3, 0, 0, 0));
}

TEST_F(WriteRpcs, CreatePostsStoresPostsOfExistingAuthors) {
  ASSERT_THAT(client().upsert_users({user(1), user(2)}).status, IsOk());
  auto reply = client().create_posts({post(10, 1, 1000), post(11, 2, 1001), post(12, 1, 1002)});
  ASSERT_THAT(reply.status, IsOk());
  EXPECT_EQ(reply.response.created(), 3u);
  EXPECT_EQ(reply.response.already_existed(), 0u);
  EXPECT_THAT(client().stats(), StatsAre(2, 3, 0, 0));
}

TEST_F(WriteRpcs, FollowAndUnfollowChangeTheEdgeCount) {
  ASSERT_THAT(client().upsert_users({user(1), user(2), user(3)}).status, IsOk());
  auto followed = client().follow({edge(1, 2), edge(1, 3), edge(2, 1)});
  ASSERT_THAT(followed.status, IsOk());
  EXPECT_EQ(followed.response.created(), 3u);
  EXPECT_EQ(followed.response.already_following(), 0u);
  EXPECT_THAT(client().stats(), StatsAre(3, 0, 3, 0));

  auto unfollowed = client().unfollow({edge(1, 3), edge(3, 1)});
  ASSERT_THAT(unfollowed.status, IsOk());
  EXPECT_EQ(unfollowed.response.removed(), 1u);
  EXPECT_EQ(unfollowed.response.not_following(), 1u);
  EXPECT_THAT(client().stats(), StatsAre(3, 0, 2, 0));
}

TEST_F(WriteRpcs, RecordEngagementsCountsEveryKind) {
  ASSERT_THAT(client().upsert_users({user(1), user(2)}).status, IsOk());
  ASSERT_THAT(client().create_posts({post(10, 1, 1000)}).status, IsOk());
  auto reply = client().record_engagements({
      engagement(2, 10, v1::ENGAGEMENT_KIND_VIEW),
      engagement(2, 10, v1::ENGAGEMENT_KIND_LIKE),
      engagement(2, 10, v1::ENGAGEMENT_KIND_COMMENT),
      engagement(2, 10, v1::ENGAGEMENT_KIND_SHARE),
      engagement(1, 10, v1::ENGAGEMENT_KIND_VIEW, 2),
  });
  ASSERT_THAT(reply.status, IsOk());
  EXPECT_EQ(reply.response.recorded(), 5u);
  EXPECT_EQ(reply.response.duplicates(), 0u);
  EXPECT_THAT(client().stats(), StatsAre(2, 1, 0, 5));
}

TEST_F(WriteRpcs, DeletePostsRemovesThemFromCountsAndFeeds) {
  ASSERT_THAT(client().upsert_users({user(1)}).status, IsOk());
  ASSERT_THAT(client().create_posts({post(10, 1, 1000), post(11, 1, 1001)}).status, IsOk());
  auto reply = client().delete_posts({10});
  ASSERT_THAT(reply.status, IsOk());
  EXPECT_EQ(reply.response.deleted(), 1u);
  EXPECT_EQ(reply.response.already_deleted(), 0u);
  EXPECT_THAT(client().stats(), StatsAre(1, 1, 0, 0));
  EXPECT_THAT(post_ids(client().whole_feed(1)), ElementsAre(11));
}

}  // namespace
}  // namespace feedrank::api_test
