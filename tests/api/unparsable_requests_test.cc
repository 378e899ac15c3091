// GetFeed and GetNearestPosts read their requests' bytes themselves: a request that does not
// parse (bytes that are no protobuf message, a string that is not UTF-8, which a C++ client can
// send) is INVALID_ARGUMENT naming the message, where gRPC's callback methods answered a bare
// UNIMPLEMENTED; a request that parses is answered as through the generated stub.
#include <gmock/gmock.h>

#include "tests/api/grpc_probes.h"
#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kGetFeed[] = "/feedrank.v1.FeedRank/GetFeed";
constexpr char kGetNearestPosts[] = "/feedrank.v1.FeedRank/GetNearestPosts";

class UnparsableRequests : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    load_small_network();
  }

  grpc::Status call(const char* method, const std::string& request, std::string* response) {
    return call_with_bytes(client().channel(), method, request, response);
  }
};

TEST_F(UnparsableRequests, AreInvalidArgumentsNamingTheMessage) {
  // Field 1 as a length-delimited field of 127 bytes, with 2 after it: no protobuf message.
  const std::string garbage("\x0a\x7f" "ab", 4);
  std::string response;
  EXPECT_THAT(call(kGetFeed, garbage, &response),
              StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("feedrank.v1.GetFeedRequest")));
  EXPECT_THAT(call(kGetNearestPosts, garbage, &response),
              StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("feedrank.v1.GetNearestPostsRequest")));

  v1::GetFeedRequest not_utf8;
  not_utf8.set_user_id(1);
  not_utf8.set_cursor(std::string("caf\xC3\x28", 5));  // "(" is no continuation byte
  EXPECT_THAT(call(kGetFeed, not_utf8.SerializeAsString(), &response),
              StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("UTF-8")));
  // The server still serves.
  EXPECT_THAT(client().get_feed(1).status, IsOk());
}

TEST_F(UnparsableRequests, AParsedRequestIsAnsweredAsThroughTheStub) {
  v1::GetFeedRequest feed_request;
  feed_request.set_user_id(1);
  feed_request.set_limit(4);
  std::string bytes;
  ASSERT_THAT(call(kGetFeed, feed_request.SerializeAsString(), &bytes), IsOk());
  v1::GetFeedResponse raw_feed;
  ASSERT_TRUE(raw_feed.ParseFromString(bytes));
  const auto typed_feed = client().get_feed(1, 4);
  ASSERT_THAT(typed_feed.status, IsOk());
  ASSERT_THAT(typed_feed.response.items(), Not(IsEmpty()));
  // The same page (each answer has its own request id).
  raw_feed.clear_request_id();
  v1::GetFeedResponse typed = typed_feed.response;
  typed.clear_request_id();
  EXPECT_EQ(raw_feed.SerializeAsString(), typed.SerializeAsString());

  v1::GetNearestPostsRequest nearest_request;
  nearest_request.set_post_id(10);
  nearest_request.set_k(3);
  ASSERT_THAT(call(kGetNearestPosts, nearest_request.SerializeAsString(), &bytes), IsOk());
  v1::GetNearestPostsResponse raw_nearest;
  ASSERT_TRUE(raw_nearest.ParseFromString(bytes));
  const auto typed_nearest = client().call(nearest_request);
  ASSERT_THAT(typed_nearest.status, IsOk());
  ASSERT_THAT(typed_nearest.response.posts(), Not(IsEmpty()));
  EXPECT_EQ(raw_nearest.SerializeAsString(), typed_nearest.response.SerializeAsString());
}

}  // namespace
}  // namespace feedrank::api_test
