// gMock matchers for gRPC statuses and stats, so that a failure prints the code and message.
#pragma once

#include <gmock/gmock.h>
#include <grpcpp/support/status.h>

#include <string>

namespace feedrank::api_test {

inline std::string describe(const grpc::Status& status) {
  return "code " + std::to_string(status.error_code()) + " \"" + status.error_message() + "\"";
}

MATCHER(IsOk, "is OK") {
  *result_listener << describe(arg);
  return arg.ok();
}

// StatusIs(grpc::NOT_FOUND, HasSubstr("posts[1].author_id"))
MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + std::to_string(code) + " and a message that " +
               ::testing::DescribeMatcher<std::string>(message_matcher)) {
  *result_listener << describe(arg);
  return arg.error_code() == code && ::testing::Matches(message_matcher)(arg.error_message());
}

// For GetStatsResponse: StatsAre(users, posts, follows, engagements).
MATCHER_P4(StatsAre, users, posts, follows, engagements,
           "holds " + std::to_string(users) + " users, " + std::to_string(posts) + " posts, " +
               std::to_string(follows) + " follows, " + std::to_string(engagements) +
               " engagements") {
  *result_listener << arg.ShortDebugString();
  return arg.users() == static_cast<std::uint64_t>(users) &&
         arg.posts() == static_cast<std::uint64_t>(posts) &&
         arg.follows() == static_cast<std::uint64_t>(follows) &&
         arg.engagements() == static_cast<std::uint64_t>(engagements);
}

}  // namespace feedrank::api_test
