// "Every write RPC is atomic: one invalid item fails the whole call ... and nothing is
// written" (feedrank.proto), checked through GetStats and GetFeed after the refused call.
#include <gmock/gmock.h>

#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class AtomicBatches : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ASSERT_THAT(client().upsert_users({user(1), user(2), user(3)}).status, IsOk());
    ASSERT_THAT(client().follow({edge(1, 2)}).status, IsOk());
    ASSERT_THAT(client().create_posts({post(10, 2, 1000)}).status, IsOk());
  }

  void expect_store_as_set_up() {
    EXPECT_THAT(client().stats(), StatsAre(3, 1, 1, 0));
    EXPECT_THAT(post_ids(client().whole_feed(1)), ElementsAre(10));
    EXPECT_THAT(client().whole_feed(3), IsEmpty());
  }
};

TEST_F(AtomicBatches, APostBatchWithOneUnknownAuthorWritesNoPost) {
  EXPECT_THAT(
      client().create_posts({post(20, 2, 2000), post(21, 99, 2100), post(22, 2, 2200)}).status,
      StatusIs(grpc::NOT_FOUND, HasSubstr("posts[1].author_id")));
  expect_store_as_set_up();
}

TEST_F(AtomicBatches, APostBatchWithOneInvalidFieldWritesNoPost) {
  v1::Post bad = post(22, 2, 2200);
  bad.set_text(std::string(5000, 'y'));
  EXPECT_THAT(client().create_posts({post(20, 2, 2000), post(21, 2, 2100), bad}).status,
              StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("posts[2].text")));
  expect_store_as_set_up();
}

TEST_F(AtomicBatches, AFollowBatchWithOneSelfFollowWritesNoEdge) {
  EXPECT_THAT(client().follow({edge(3, 2), edge(3, 3)}).status,
              StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("edges[1]")));
  expect_store_as_set_up();
}

TEST_F(AtomicBatches, AnUnfollowBatchWithOneUnknownUserRemovesNoEdge) {
  EXPECT_THAT(client().unfollow({edge(1, 2), edge(1, 99)}).status,
              StatusIs(grpc::NOT_FOUND, HasSubstr("edges[1].followee_id")));
  expect_store_as_set_up();
}

TEST_F(AtomicBatches, ADeleteBatchWithOneUnknownPostDeletesNothing) {
  EXPECT_THAT(client().delete_posts({10, 99}).status,
              StatusIs(grpc::NOT_FOUND, HasSubstr("post_ids[1]")));
  expect_store_as_set_up();
}

TEST_F(AtomicBatches, AnEngagementBatchWithOneUnknownPostRecordsNothing) {
  EXPECT_THAT(client().record_engagements({engagement(1, 10), engagement(1, 99)}).status,
              StatusIs(grpc::NOT_FOUND, HasSubstr("engagements[1].post_id")));
  expect_store_as_set_up();
}

TEST_F(AtomicBatches, AUserBatchWithOneInvalidUserCreatesNoUser) {
  v1::User bad = user(5);
  bad.set_handle("");
  EXPECT_THAT(client().upsert_users({user(4), bad}).status,
              StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("users[1].handle")));
  expect_store_as_set_up();
}

TEST_F(AtomicBatches, AnIngestChunkWithOneBadRecordWritesNothingOfThatChunk) {
  EXPECT_THAT(
      client()
          .ingest({chunk({user_record(4), follow_record(3, 2), post_record(post(20, 2, 2000)),
                          engagement_record(engagement(3, 77))})})
          .status,
      StatusIs(grpc::NOT_FOUND, HasSubstr("records[3].engagement.post_id")));
  expect_store_as_set_up();
}

}  // namespace
}  // namespace feedrank::api_test
