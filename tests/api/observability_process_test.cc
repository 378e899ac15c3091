// The real feedrank-server's operator surface: JSON log lines carrying the caller's request id,
// the /metrics port named in the start-up log, and one-line errors for bad logging and limit
// flags.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <algorithm>
#include <csignal>
#include <regex>

#include "feedrank/v1/feedrank.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tests/api/server_process.h"
#include "tests/support/temp_dir.h"

namespace feedrank::api_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

MATCHER(ExitedWithOneLine, "exited with a non-zero code and one line on stderr") {
  return arg.first.exited && arg.first.code != 0 && !arg.second.empty() &&
         std::count(arg.second.begin(), arg.second.end(), '\n') == 1;
}

class Observability : public ::testing::Test {
 protected:
  // Starts the server with `args` and waits for it to exit; its exit status and stderr.
  std::pair<ExitStatus, std::string> refused_start(const std::vector<std::string>& args) {
    ServerProcess server("127.0.0.1:0", scratch_.path() / "data", scratch_.path(), args);
    const auto status = server.wait_for_exit();
    return {status.value_or(ExitStatus{}), server.stderr_text()};
  }
  testing::TempDir scratch_;
};

TEST_F(Observability, JsonLogLinesCarryTheCallersRequestIdAndTheMetricsPortServes) {
  ServerProcess server(
      "127.0.0.1:0", scratch_.path() / "data", scratch_.path(),
      {"--log-format", "json", "--log-level", "debug", "--metrics-listen", "127.0.0.1:0"});
  const std::string address = server.wait_until_listening();
  ASSERT_NE(address, "") << server.stderr_text();

  // Every start-up log line is a JSON object; one names the metrics address.
  std::string metrics_address;
  std::istringstream startup(server.startup_output());
  std::string line;
  while (std::getline(startup, line)) {
    if (line.starts_with("listening on ")) continue;  // the address line scripts read
    const auto object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(object.is_object()) << line;
    EXPECT_TRUE(object.contains("ts") && object.contains("level") && object.contains("msg"))
        << line;
    std::smatch match;
    const std::string message = object.value("msg", "");
    if (std::regex_search(message, match, std::regex("http://([0-9.:]+)/metrics"))) {
      metrics_address = match[1];
    }
  }
  ASSERT_NE(metrics_address, "") << server.startup_output();

  auto stub =
      v1::FeedRank::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata("x-request-id", "order-7781");
  v1::GetStatsResponse stats;
  ASSERT_TRUE(stub->GetStats(&context, v1::GetStatsRequest(), &stats).ok());

  httplib::Client metrics("http://" + metrics_address);
  const auto scrape = metrics.Get("/metrics");
  ASSERT_TRUE(scrape);
  EXPECT_EQ(scrape->status, 200);
  EXPECT_THAT(scrape->body,
              HasSubstr("feedrank_requests_total{method=\"GetStats\",code=\"OK\"} 1"));
  EXPECT_EQ(metrics.Get("/elsewhere")->status, 404);

  // The log lines after start-up, up to the clean exit.
  ::kill(server.process().pid(), SIGTERM);
  const auto rest = server.process().read_rest(std::chrono::seconds(10));
  ASSERT_TRUE(rest.has_value());
  EXPECT_THAT(server.wait_for_exit(), Optional(::testing::Field(&ExitStatus::code, 0)));
  bool found = false;
  std::istringstream after(*rest);
  while (std::getline(after, line)) {
    const auto object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(object.is_object()) << line;
    if (object.value("request_id", "") == "order-7781") {
      found = true;
      EXPECT_EQ(object.value("method", ""), "GetStats");
      EXPECT_EQ(object.value("code", ""), "OK");
      EXPECT_EQ(object.value("level", ""), "debug");
    }
  }
  EXPECT_TRUE(found) << *rest;
}

TEST_F(Observability, BadLoggingAndLimitFlagsExitWithOneLineNamingTheFlag) {
  auto level = refused_start({"--log-level", "loud"});
  EXPECT_THAT(level, ExitedWithOneLine()) << level.second;
  EXPECT_THAT(level.second, HasSubstr("--log-level"));

  auto method = refused_start({"--method-in-flight", "GetFeeds=3"});
  EXPECT_THAT(method, ExitedWithOneLine()) << method.second;
  EXPECT_THAT(method.second, HasSubstr("no method 'GetFeeds'"));

  auto shape = refused_start({"--method-in-flight", "GetFeed"});
  EXPECT_THAT(shape, ExitedWithOneLine()) << shape.second;
  EXPECT_THAT(shape.second, HasSubstr("expected METHOD=N"));

  auto port = refused_start({"--metrics-listen", "127.0.0.1"});
  EXPECT_THAT(port, ExitedWithOneLine()) << port.second;
  EXPECT_THAT(port.second, HasSubstr("--metrics-listen"));
}

// The server re-executes itself with glibc's malloc on huge pages (common/huge_page_malloc.h),
// keeping its pid; an operator's own setting of that tunable is left as it is.
std::string environment_of(const ChildProcess& process) {
  std::string environment =
      read_file(std::filesystem::path("/proc") / std::to_string(process.pid()) / "environ");
  std::replace(environment.begin(), environment.end(), '\0', '\n');
  return environment;
}

TEST_F(Observability, TheServerRunsWithHugePageMallocUnlessTheOperatorChose) {
  {
    ServerProcess server("127.0.0.1:0", scratch_.path() / "data", scratch_.path(), {},
                         {"/usr/bin/env", "-u", "GLIBC_TUNABLES"});
    ASSERT_NE(server.wait_until_listening(), "") << server.stderr_text();
    EXPECT_THAT(environment_of(server.process()),
                HasSubstr("GLIBC_TUNABLES=glibc.malloc.hugetlb=1\n"));
    EXPECT_EQ(read_file(std::filesystem::path("/proc") / std::to_string(server.process().pid()) /
                        "comm"),
              "feedrank-server\n")
        << "named after its file, as pgrep and top show it";
    EXPECT_THAT(server.stop(SIGTERM), Optional(::testing::Field(&ExitStatus::code, 0)));
  }
  ServerProcess chosen("127.0.0.1:0", scratch_.path() / "data", scratch_.path(), {},
                       {"/usr/bin/env", "GLIBC_TUNABLES=glibc.malloc.hugetlb=0"});
  ASSERT_NE(chosen.wait_until_listening(), "") << chosen.stderr_text();
  EXPECT_THAT(environment_of(chosen.process()),
              HasSubstr("GLIBC_TUNABLES=glibc.malloc.hugetlb=0\n"));
  EXPECT_THAT(chosen.stop(SIGTERM), Optional(::testing::Field(&ExitStatus::code, 0)));
}

// A CUDA build opens cuBLAS only when a GPU backend starts (kernels/gpu/cublas_library.h): on the
// CPU backend the server maps none of it (about 150 MB resident and 94 KB a thread when it did).
TEST_F(Observability, TheServerOnTheCpuBackendMapsNoCublas) {
  ServerProcess server("127.0.0.1:0", scratch_.path() / "data", scratch_.path(),
                       {"--backend", "cpu"});
  ASSERT_NE(server.wait_until_listening(), "") << server.stderr_text();
  const std::string maps =
      read_file(std::filesystem::path("/proc") / std::to_string(server.process().pid()) / "maps");
  ASSERT_THAT(maps, HasSubstr("feedrank-server")) << "the server's own mappings are listed";
  EXPECT_THAT(maps, Not(HasSubstr("libcublas")));
  EXPECT_THAT(server.stop(SIGTERM), Optional(::testing::Field(&ExitStatus::code, 0)));
}

}  // namespace
}  // namespace feedrank::api_test
