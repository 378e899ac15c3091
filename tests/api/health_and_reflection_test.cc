// The standard gRPC services beside FeedRank: health checking (for load balancers and
// orchestrators) and reflection (for grpcurl and other generic clients).
#include <gmock/gmock.h>

#include <algorithm>

#include "tests/api/grpc_probes.h"
#include "tests/api/status_matchers.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::Contains;
using ::testing::Property;

class StandardServices : public ApiTest {};

TEST_F(StandardServices, HealthCheckAnswersServing) {
  probes::HealthCheckResponse response;
  ASSERT_THAT(check_health(client().channel(), "", &response), IsOk());
  EXPECT_EQ(response.status(), probes::HealthCheckResponse::SERVING);
}

TEST_F(StandardServices, ReflectionListsTheFeedRankService) {
  std::vector<std::string> services;
  ASSERT_THAT(list_services(client().channel(), &services), IsOk());
  EXPECT_THAT(services, Contains("feedrank.v1.FeedRank"));
}

TEST_F(StandardServices, ReflectionDescribesTheFeedRankMethods) {
  std::vector<google::protobuf::FileDescriptorProto> files;
  ASSERT_THAT(file_containing_symbol(client().channel(), "feedrank.v1.FeedRank", &files), IsOk());
  const auto file = std::find_if(files.begin(), files.end(), [](const auto& f) {
    return f.package() == "feedrank.v1" && f.service_size() > 0;
  });
  ASSERT_NE(file, files.end()) << "no file of package feedrank.v1 with a service";
  const auto& service = file->service(0);
  EXPECT_EQ(service.name(), "FeedRank");
  EXPECT_THAT(service.method(),
              Contains(Property(&google::protobuf::MethodDescriptorProto::name, "GetFeed")));
  EXPECT_THAT(service.method(),
              Contains(Property(&google::protobuf::MethodDescriptorProto::name, "Ingest")));
}

}  // namespace
}  // namespace feedrank::api_test
