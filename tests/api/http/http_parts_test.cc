// The gateway's parts: query parameters into request messages, gRPC codes as HTTP statuses and
// JSON error bodies, and the listener's answer to a handler that throws.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <httplib.h>

#include <new>
#include <stdexcept>
#include <string>

#include "api/http/http_listener.h"
#include "api/http/http_status.h"
#include "api/http/json_gateway.h"
#include "api/http/query_to_proto.h"
#include "feedrank/v1/feedrank.pb.h"
#include "nlohmann/json.hpp"

namespace feedrank::api::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Params = std::multimap<std::string, std::string>;

TEST(QueryToProto, FillsScalarsEnumsAndRepeatedFields) {
  v1::GetFeedRequest request;
  ASSERT_TRUE(fill_from_query(Params{{"user_id", "18446744073709551615"},
                                     {"mode", "interleaved"},
                                     {"limit", "20"},
                                     {"as_of_ms", "1706745600000"},
                                     {"explain", "true"},
                                     {"cursor", "a,b"},  // strings are never split
                                     {"muted_author_ids", "4,5"},
                                     {"muted_author_ids", "6"}},
                              request)
                  .ok());
  EXPECT_EQ(request.user_id(), 18446744073709551615u);
  EXPECT_EQ(request.mode(), v1::FEED_MODE_INTERLEAVED);
  EXPECT_EQ(request.limit(), 20);
  EXPECT_EQ(request.as_of_ms(), 1706745600000);
  EXPECT_TRUE(request.explain());
  EXPECT_EQ(request.cursor(), "a,b");
  EXPECT_THAT(request.muted_author_ids(), ElementsAre(4u, 5u, 6u));
}

TEST(QueryParams, KeepsEveryPairAsSentAndDecodesEscapes) {
  EXPECT_EQ(query_params("/v1/feed?user_id=1&user_id=1&limit=5=6&handle=a%20b+c&explain&&x="),
            (Params{{"user_id", "1"},
                    {"user_id", "1"},
                    {"limit", "5=6"},
                    {"handle", "a b c"},
                    {"explain", ""},
                    {"x", ""}}));
  EXPECT_EQ(query_params("/v1/stats"), Params{});
  EXPECT_EQ(query_params("/v1/stats?"), Params{});
  EXPECT_EQ(query_params("/v1/user?handle%3D=%26"), (Params{{"handle=", "&"}}));
  // Escapes in either case, UTF-8 bytes one escape each; a '%' without two hex digits as sent.
  EXPECT_EQ(query_params("/v1/user?handle=%c3%A9%41&cursor=%zz%4&x=100%"),
            (Params{{"handle", "\xC3\xA9" "A"}, {"cursor", "%zz%4"}, {"x", "100%"}}));
  // An escaped '+' is a plus, a bare one a space; an escaped NUL is a byte like any other.
  EXPECT_EQ(query_params("/v1/user?handle=a%2Bb+c&cursor=%00"),
            (Params{{"handle", "a+b c"}, {"cursor", std::string(1, '\0')}}));
}

TEST(QueryToProto, FloatsForVectors) {
  v1::GetNearestPostsRequest request;
  ASSERT_TRUE(fill_from_query(Params{{"embedding", "0.5,-1,2e-3"}}, request).ok());
  EXPECT_THAT(request.embedding(), ElementsAre(0.5f, -1.0f, 2e-3f));
  auto status = fill_from_query(Params{{"embedding", "1,nan"}}, request);
  EXPECT_THAT(std::string(status.message()), HasSubstr("embedding: 'nan' is not a finite number"));
  // Finite as a double, beyond a float.
  status = fill_from_query(Params{{"embedding", "1,-1e39"}}, request);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("embedding: '-1e39' is outside a float's range"));
}

// An unknown name shows as sent when it looks like one, else quoted and escaped: an empty name
// (a query "=1") or one holding ": " still reads as the name the message starts with.
TEST(QueryToProto, UnknownNamesAreShownSoThatTheyReadAsNames) {
  v1::GetFeedRequest request;
  EXPECT_THAT(std::string(fill_from_query(Params{{"viewer", "2"}}, request).message()),
              HasSubstr("viewer: unknown parameter (this route takes: user_id"));
  EXPECT_THAT(std::string(fill_from_query(query_params("/v1/feed?=1"), request).message()),
              HasSubstr("'': unknown parameter"));
  EXPECT_THAT(std::string(fill_from_query(Params{{"a: b\n", "1"}}, request).message()),
              HasSubstr("'a: b\\n': unknown parameter"));
}

TEST(QueryToProto, OutOfRangeNumbersNameTheParameter) {
  v1::GetFeedRequest request;
  auto status = fill_from_query(Params{{"limit", "3000000000"}}, request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("limit: '3000000000' is not a number (expected a 32-bit integer)"));
  status = fill_from_query(Params{{"user_id", "18446744073709551616"}}, request);
  EXPECT_THAT(std::string(status.message()), HasSubstr("user_id: '18446744073709551616'"));
  status = fill_from_query(Params{{"limit", ""}}, request);
  EXPECT_THAT(std::string(status.message()), HasSubstr("limit: '' is not a number"));
  // absl's parser alone took these as 12.
  for (const char* loose : {" 12", "12 ", "+12", "\t12"}) {
    status = fill_from_query(Params{{"limit", loose}}, request);
    EXPECT_THAT(std::string(status.message()), HasSubstr("is not a number")) << loose;
  }
  v1::GetNearestPostsRequest nearest;
  status = fill_from_query(Params{{"embedding", "0.5,+1"}}, nearest);
  EXPECT_THAT(std::string(status.message()), HasSubstr("'+1' is not a finite number"));
}

TEST(QueryToProto, MessageFieldsAreNotParameters) {
  v1::GetUserResponse message;  // has a User field
  const auto status = fill_from_query(Params{{"user", "1"}}, message);
  EXPECT_THAT(std::string(status.message()), HasSubstr("user: not a query parameter"));
}

TEST(GatewayAddress, NoHostIsLoopback) {
  std::string warning;
  EXPECT_EQ(checked_gateway_address(":8080", false, warning).value(), "127.0.0.1:8080");
  EXPECT_EQ(checked_gateway_address("127.0.0.1:0", false, warning).value(), "127.0.0.1:0");
  EXPECT_EQ(checked_gateway_address("localhost:0", false, warning).value(), "localhost:0");
  EXPECT_EQ(warning, "");
}

TEST(GatewayAddress, OffLoopbackOnlyWhenInsecure) {
  std::string warning;
  const auto refused = checked_gateway_address("0.0.0.0:8080", false, warning);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("--http-listen 0.0.0.0:8080 is not a loopback address"));
  EXPECT_EQ(checked_gateway_address("0.0.0.0:8080", true, warning).value(), "0.0.0.0:8080");
  EXPECT_THAT(warning, HasSubstr("plaintext"));
}

TEST(HttpStatus, MapsEveryCodeTheGatewayDocuments) {
  EXPECT_EQ(http_status_of(grpc::StatusCode::OK), 200);
  EXPECT_EQ(http_status_of(grpc::StatusCode::INVALID_ARGUMENT), 400);
  EXPECT_EQ(http_status_of(grpc::StatusCode::OUT_OF_RANGE), 400);
  EXPECT_EQ(http_status_of(grpc::StatusCode::FAILED_PRECONDITION), 400);
  EXPECT_EQ(http_status_of(grpc::StatusCode::NOT_FOUND), 404);
  EXPECT_EQ(http_status_of(grpc::StatusCode::RESOURCE_EXHAUSTED), 429);
  EXPECT_EQ(http_status_of(grpc::StatusCode::UNAVAILABLE), 503);
  EXPECT_EQ(http_status_of(grpc::StatusCode::DEADLINE_EXCEEDED), 504);
  EXPECT_EQ(http_status_of(grpc::StatusCode::INTERNAL), 500);
  EXPECT_EQ(http_status_of(grpc::StatusCode::ALREADY_EXISTS), 500);
}

TEST(HttpStatus, ErrorBodyIsJsonWithTheCodesName) {
  const auto body = nlohmann::json::parse(
      error_json(grpc::StatusCode::RESOURCE_EXHAUSTED, "GetFeed: 3 calls \"in flight\""));
  EXPECT_EQ(body.at("code"), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(body.at("message"), "GetFeed: 3 calls \"in flight\"");
}

// A handler that throws is answered like a failed call, and the listener goes on serving.
TEST(HttpListener, AHandlerThatThrowsIsAnsweredWithAJsonErrorAndServingGoesOn) {
  auto server = std::make_unique<httplib::Server>();
  server->Get("/fails", [](const httplib::Request&, httplib::Response&) {
    throw std::out_of_range("row 7 of 3");
  });
  server->Get("/no-memory",
              [](const httplib::Request&, httplib::Response&) { throw std::bad_alloc(); });
  server->Get("/works", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("fine", "text/plain");
  });
  auto listener = HttpListener::start(std::move(server), "127.0.0.1:0");
  ASSERT_TRUE(listener.ok()) << listener.status();
  const std::string address = (*listener)->address();
  httplib::Client client(address.substr(0, address.rfind(':')),
                         std::stoi(address.substr(address.rfind(':') + 1)));

  auto failed = client.Get("/fails");
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 500);
  const auto body = nlohmann::json::parse(failed->body);
  EXPECT_EQ(body.at("code"), "INTERNAL");
  EXPECT_THAT(body.at("message").get<std::string>(), HasSubstr("row 7 of 3"));
  auto no_memory = client.Get("/no-memory");
  ASSERT_TRUE(no_memory);
  EXPECT_EQ(no_memory->status, 429);
  EXPECT_EQ(nlohmann::json::parse(no_memory->body).at("code"), "RESOURCE_EXHAUSTED");
  auto works = client.Get("/works");
  ASSERT_TRUE(works);
  EXPECT_EQ(works->body, "fine");
}

}  // namespace
}  // namespace feedrank::api::http
