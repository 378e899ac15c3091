// GetFeed refuses bad requests with the documented code and a message naming the field.
#include <gmock/gmock.h>

#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::HasSubstr;

class FeedValidation : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ASSERT_THAT(client().upsert_users({user(1), user(2)}).status, IsOk());
    ASSERT_THAT(client().follow({edge(1, 2), edge(2, 1)}).status, IsOk());
    ASSERT_THAT(
        client().create_posts({post(10, 1, 1000), post(11, 2, 1100), post(12, 2, 1200)}).status,
        IsOk());
  }

  // A real cursor, issued to user 1 after its first item.
  std::string cursor_of_user_1() {
    auto first = client().get_feed(1, 1);
    EXPECT_THAT(first.status, IsOk());
    EXPECT_NE(first.response.next_cursor(), "");
    return first.response.next_cursor();
  }
};

TEST_F(FeedValidation, RefusesAnUnknownViewerAsNotFound) {
  EXPECT_THAT(client().get_feed(99).status, StatusIs(grpc::NOT_FOUND, HasSubstr("user_id")));
}

TEST_F(FeedValidation, RefusesAMissingViewer) {
  EXPECT_THAT(client().get_feed(0).status, StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("user_id")));
}

TEST_F(FeedValidation, RefusesLimitsOutsideOneToFiveHundred) {
  for (int limit : {-1, 501, -2147483647 - 1}) {
    SCOPED_TRACE("limit " + std::to_string(limit));
    EXPECT_THAT(client().get_feed(1, limit).status,
                StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("limit")));
  }
}

TEST_F(FeedValidation, RefusesAGarbageCursor) {
  const std::vector<std::string> cursors = {"garbage", "!!!not base64!!!", "AAAA",
                                            std::string(2000, 'Q')};
  for (const std::string& garbage : cursors) {
    SCOPED_TRACE("cursor " + garbage.substr(0, 20));
    EXPECT_THAT(client().get_feed(1, 0, garbage).status,
                StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("cursor")));
  }
}

TEST_F(FeedValidation, RefusesAnEditedCursor) {
  std::string cursor = cursor_of_user_1();
  cursor[cursor.size() / 2] = cursor[cursor.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_THAT(client().get_feed(1, 0, cursor).status,
              StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("cursor")));
}

TEST_F(FeedValidation, RefusesACursorIssuedToAnotherUser) {
  const std::string cursor = cursor_of_user_1();
  EXPECT_THAT(client().get_feed(2, 0, cursor).status,
              StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("cursor")));
  EXPECT_THAT(client().get_feed(1, 0, cursor).status, IsOk());
}

TEST_F(FeedValidation, RefusesAnUnknownMode) {
  v1::GetFeedRequest request;
  request.set_user_id(1);
  request.set_mode(static_cast<v1::FeedMode>(7));
  EXPECT_THAT(client().call(request).status, StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("mode")));
}

TEST_F(FeedValidation, RefusesANegativeAsOf) {
  v1::GetFeedRequest request;
  request.set_user_id(1);
  request.set_as_of_ms(-5);
  EXPECT_THAT(client().call(request).status,
              StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("as_of_ms")));
}

TEST_F(FeedValidation, RefusesAZeroMutedAuthorNamingItsIndex) {
  v1::GetFeedRequest request;
  request.set_user_id(1);
  request.set_mode(v1::FEED_MODE_ALGORITHMIC);
  request.add_muted_author_ids(2);
  request.add_muted_author_ids(0);
  EXPECT_THAT(client().call(request).status,
              StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("muted_author_ids[1]")));
}

TEST_F(FeedValidation, RefusesMoreThanAThousandMutedAuthors) {
  v1::GetFeedRequest request;
  request.set_user_id(1);
  request.set_mode(v1::FEED_MODE_ALGORITHMIC);
  for (int i = 1; i <= 1001; ++i) request.add_muted_author_ids(i);
  EXPECT_THAT(client().call(request).status,
              StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("muted_author_ids")));
}

TEST_F(FeedValidation, RefusesAnAlgorithmicCursorInTheChronologicalMode) {
  v1::GetFeedRequest request;
  request.set_user_id(1);
  request.set_mode(v1::FEED_MODE_ALGORITHMIC);
  request.set_limit(1);
  auto first = client().call(request);
  ASSERT_THAT(first.status, IsOk());
  ASSERT_NE(first.response.next_cursor(), "");
  EXPECT_THAT(client().get_feed(1, 0, first.response.next_cursor()).status,
              StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("cursor")));
}

}  // namespace
}  // namespace feedrank::api_test
