// Writes are idempotent by id: a retried call reports what already existed and stores nothing
// twice.
#include <gmock/gmock.h>

#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::ElementsAre;

class Idempotency : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ASSERT_THAT(client().upsert_users({user(1), user(2), user(3)}).status, IsOk());
  }
};

TEST_F(Idempotency, RepeatedUpsertUsersChangesNothing) {
  auto again = client().upsert_users({user(1), user(2)});
  ASSERT_THAT(again.status, IsOk());
  EXPECT_EQ(again.response.created(), 0u);
  EXPECT_EQ(again.response.updated(), 0u);
  EXPECT_THAT(client().stats(), StatsAre(3, 0, 0, 0));
}

TEST_F(Idempotency, RepeatedCreatePostsReportsAlreadyExistedAndKeepsTheFirstVersion) {
  ASSERT_THAT(client().create_posts({post(10, 1, 1000), post(11, 1, 1001)}).status, IsOk());
  const auto stats_before = client().stats();

  v1::Post edited = post(10, 1, 1000);
  edited.set_text("a retry must not overwrite the stored post");
  auto again = client().create_posts({edited, post(11, 1, 1001)});
  ASSERT_THAT(again.status, IsOk());
  EXPECT_EQ(again.response.created(), 0u);
  EXPECT_EQ(again.response.already_existed(), 2u);

  EXPECT_EQ(stored_stats_of(client().stats()), stored_stats_of(stats_before));
  const auto feed = client().whole_feed(1);
  ASSERT_THAT(post_ids(feed), ElementsAre(11, 10));
  EXPECT_EQ(feed[1].text(), post_text(10));
}

TEST_F(Idempotency, ADuplicateInsideOneBatchIsStoredOnce) {
  auto reply = client().create_posts({post(10, 1, 1000), post(10, 1, 1000)});
  ASSERT_THAT(reply.status, IsOk());
  EXPECT_EQ(reply.response.created(), 1u);
  EXPECT_EQ(reply.response.already_existed(), 1u);
  EXPECT_THAT(client().stats(), StatsAre(3, 1, 0, 0));
}

TEST_F(Idempotency, RecreatingADeletedPostLeavesItDeleted) {
  ASSERT_THAT(client().create_posts({post(10, 1, 1000)}).status, IsOk());
  ASSERT_THAT(client().delete_posts({10}).status, IsOk());
  auto again = client().create_posts({post(10, 1, 1000)});
  ASSERT_THAT(again.status, IsOk());
  EXPECT_EQ(again.response.already_existed(), 1u);
  EXPECT_THAT(client().stats(), StatsAre(3, 0, 0, 0));
  EXPECT_THAT(client().whole_feed(1), ::testing::IsEmpty());
}

TEST_F(Idempotency, RepeatedFollowReportsAlreadyFollowing) {
  ASSERT_THAT(client().follow({edge(1, 2), edge(1, 3)}).status, IsOk());
  auto again = client().follow({edge(1, 2), edge(1, 3)});
  ASSERT_THAT(again.status, IsOk());
  EXPECT_EQ(again.response.created(), 0u);
  EXPECT_EQ(again.response.already_following(), 2u);
  EXPECT_THAT(client().stats(), StatsAre(3, 0, 2, 0));
}

TEST_F(Idempotency, RepeatedUnfollowReportsNotFollowing) {
  ASSERT_THAT(client().follow({edge(1, 2)}).status, IsOk());
  ASSERT_THAT(client().unfollow({edge(1, 2)}).status, IsOk());
  auto again = client().unfollow({edge(1, 2)});
  ASSERT_THAT(again.status, IsOk());
  EXPECT_EQ(again.response.removed(), 0u);
  EXPECT_EQ(again.response.not_following(), 1u);
  EXPECT_THAT(client().stats(), StatsAre(3, 0, 0, 0));
}

TEST_F(Idempotency, RepeatedRecordEngagementsReportsDuplicates) {
  ASSERT_THAT(client().create_posts({post(10, 1, 1000)}).status, IsOk());
  const std::vector<v1::Engagement> engagements = {
      engagement(2, 10, v1::ENGAGEMENT_KIND_LIKE, 5),
      engagement(3, 10, v1::ENGAGEMENT_KIND_SHARE, 6),
  };
  ASSERT_THAT(client().record_engagements(engagements).status, IsOk());
  const auto stats_before = client().stats();

  auto again = client().record_engagements(engagements);
  ASSERT_THAT(again.status, IsOk());
  EXPECT_EQ(again.response.recorded(), 0u);
  EXPECT_EQ(again.response.duplicates(), 2u);
  EXPECT_EQ(stored_stats_of(client().stats()), stored_stats_of(stats_before));
}

TEST_F(Idempotency, AnEngagementAtAnotherTimeIsANewEngagement) {
  ASSERT_THAT(client().create_posts({post(10, 1, 1000)}).status, IsOk());
  ASSERT_THAT(client().record_engagements({engagement(2, 10, v1::ENGAGEMENT_KIND_VIEW, 5)}).status,
              IsOk());
  auto later = client().record_engagements({engagement(2, 10, v1::ENGAGEMENT_KIND_VIEW, 6)});
  ASSERT_THAT(later.status, IsOk());
  EXPECT_EQ(later.response.recorded(), 1u);
  EXPECT_EQ(later.response.duplicates(), 0u);
}

TEST_F(Idempotency, RepeatedDeletePostsReportsAlreadyDeleted) {
  ASSERT_THAT(client().create_posts({post(10, 1, 1000)}).status, IsOk());
  ASSERT_THAT(client().delete_posts({10}).status, IsOk());
  auto again = client().delete_posts({10});
  ASSERT_THAT(again.status, IsOk());
  EXPECT_EQ(again.response.deleted(), 0u);
  EXPECT_EQ(again.response.already_deleted(), 1u);
}

TEST_F(Idempotency, AResentIngestStreamIsCountedAsUnchanged) {
  const std::vector<v1::IngestRequest> chunks = {
      chunk({user_record(4), post_record(post(40, 4, 4000)), follow_record(1, 4)}),
      chunk({engagement_record(engagement(1, 40))}),
  };
  ASSERT_THAT(client().ingest(chunks).status, IsOk());
  const auto stats_before = client().stats();

  auto again = client().ingest(chunks);
  ASSERT_THAT(again.status, IsOk());
  EXPECT_EQ(again.response.unchanged(), 4u);
  EXPECT_EQ(again.response.users() + again.response.posts() + again.response.follows() +
                again.response.engagements(),
            0u);
  EXPECT_EQ(stored_stats_of(client().stats()), stored_stats_of(stats_before));
}

}  // namespace
}  // namespace feedrank::api_test
