// The call gate's parts: request ids, in-flight slots, log lines.
#include <gmock/gmock.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <new>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "api/serving/call_gate.h"
#include "api/serving/in_flight_limits.h"
#include "api/serving/request_id.h"
#include "api/serving/structured_log.h"
#include "nlohmann/json.hpp"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace feedrank::api::serving {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RequestId, AcceptsTokensAndRefusesWhatCouldForgeLogLines) {
  EXPECT_TRUE(acceptable_request_id("abc-123_X.y:z/+="));
  EXPECT_TRUE(acceptable_request_id(std::string(128, 'a')));
  EXPECT_FALSE(acceptable_request_id(""));
  EXPECT_FALSE(acceptable_request_id(std::string(129, 'a')));
  EXPECT_FALSE(acceptable_request_id("two words"));
  EXPECT_FALSE(acceptable_request_id("line\nbreak"));
  EXPECT_FALSE(acceptable_request_id("quote\""));
}

TEST(RequestId, NewIdsAreDistinctHexTokens) {
  std::set<std::string> ids;
  for (int i = 0; i < 10'000; ++i) {
    const std::string id = new_request_id();
    ASSERT_EQ(id.size(), 16u);
    ASSERT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    ASSERT_TRUE(acceptable_request_id(id));
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 10'000u);
}

// A call whose body throws is answered with an error (out of memory: RESOURCE_EXHAUSTED, else
// INTERNAL with what was thrown), and its in-flight slot is freed.
TEST(CallGate, ABodyThatThrowsIsAnsweredWithAnErrorAndFreesItsSlot) {
  CallGate gate(ServingLimits{.max_in_flight = 1, .method_overrides = {}});
  grpc::ServerContext out_of_memory_call;
  const grpc::Status out_of_memory = gate.serve(
      &out_of_memory_call, "GetFeed", [](ServedCall&) -> grpc::Status { throw std::bad_alloc(); });
  EXPECT_EQ(out_of_memory.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(out_of_memory.error_message(), HasSubstr("out of memory"));

  grpc::ServerContext failing_call;
  const grpc::Status failed = gate.serve(&failing_call, "GetFeed", [](ServedCall&) -> grpc::Status {
    throw std::out_of_range("row 7 of 3");
  });
  EXPECT_EQ(failed.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(failed.error_message(), HasSubstr("row 7 of 3"));

  grpc::ServerContext next_call;  // the one slot was given back each time
  const grpc::Status next =
      gate.serve(&next_call, "GetFeed", [](ServedCall&) { return grpc::Status::OK; });
  EXPECT_TRUE(next.ok()) << next.error_message();
}

TEST(InFlightLimits, RefusesPastTheLimitAndFreesSlotsWhenReleased) {
  InFlightLimits limits({"A", "B"}, {2, 1});
  auto first = limits.try_acquire(0);
  auto second = limits.try_acquire(0);
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(limits.try_acquire(0));
  EXPECT_EQ(limits.in_flight(0), 2);
  EXPECT_TRUE(limits.try_acquire(1)) << "limits are per method";
  first.reset();
  EXPECT_EQ(limits.in_flight(0), 1);
  EXPECT_TRUE(limits.try_acquire(0));
}

TEST(InFlightLimits, NeverAdmitsMoreThanTheLimitUnderContention) {
  InFlightLimits limits({"A"}, {3});
  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < 20'000; ++i) {
        auto slot = limits.try_acquire(0);
        if (!slot) continue;
        const int now = inside.fetch_add(1) + 1;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        inside.fetch_sub(1);
      }
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_LE(most.load(), 3);
  EXPECT_GE(most.load(), 1);
  EXPECT_EQ(limits.in_flight(0), 0);
}

// Captures the default logger's lines while alive.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(lines_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return lines_.str(); }

 private:
  std::ostringstream lines_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(StructuredLog, TextLinesEndWithKeyValueFieldsQuotedWhenNeeded) {
  CapturedLog log;
  ASSERT_TRUE(configure_logging("debug", LogFormat::kText).ok());
  log_event(spdlog::level::info, "call failed",
            {{"request_id", "r1"}, {"error", "user 5 not found"}, {"empty", ""}});
  const std::string text = log.text();
  EXPECT_THAT(text, HasSubstr(" info call failed request_id=r1 error=\"user 5 not found\"\n"));
  EXPECT_THAT(text, Not(HasSubstr("empty")));
}

TEST(StructuredLog, JsonLinesAreObjectsWithTheFieldsAsKeys) {
  CapturedLog log;
  ASSERT_TRUE(configure_logging("info", LogFormat::kJson).ok());
  log_event(spdlog::level::info, "call", {{"request_id", "r2"}, {"method", "GetFeed"}});
  spdlog::info("plain line with \"quotes\"");
  log_event(spdlog::level::debug, "below the level", {{"request_id", "r3"}});
  std::istringstream lines(log.text());
  std::string line;
  std::vector<nlohmann::json> objects;
  while (std::getline(lines, line)) objects.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0]["msg"], "call");
  EXPECT_EQ(objects[0]["level"], "info");
  EXPECT_EQ(objects[0]["request_id"], "r2");
  EXPECT_EQ(objects[0]["method"], "GetFeed");
  EXPECT_EQ(objects[1]["msg"], "plain line with \"quotes\"");
  EXPECT_FALSE(objects[1].contains("request_id"));
}

// The Z promises UTC: a server in another zone (a POSIX TZ string, so no zone files needed)
// stamped local time with it, nine hours off here.
TEST(StructuredLog, TimestampsAreUtcWhateverTheLocalZone) {
  const char* zone = std::getenv("TZ");
  const std::optional<std::string> previous_zone =
      zone ? std::optional<std::string>(zone) : std::nullopt;
  ASSERT_EQ(setenv("TZ", "JST-9", 1), 0);
  tzset();
  CapturedLog log;
  ASSERT_TRUE(configure_logging("info", LogFormat::kJson).ok());
  log_event(spdlog::level::info, "stamped", {});
  const auto now = std::chrono::system_clock::now();
  if (previous_zone) {
    setenv("TZ", previous_zone->c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  const std::string stamp = nlohmann::json::parse(log.text())["ts"];
  std::tm parts{};
  ASSERT_NE(strptime(stamp.c_str(), "%Y-%m-%dT%H:%M:%S", &parts), nullptr) << stamp;
  const auto logged = std::chrono::system_clock::from_time_t(timegm(&parts));
  EXPECT_LT(std::chrono::abs(now - logged), std::chrono::seconds(5)) << stamp;
}

TEST(StructuredLog, AnUnknownLevelIsRefusedNamingTheFlag) {
  const absl::Status status = configure_logging("loud", LogFormat::kText);
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--log-level"));
  EXPECT_TRUE(configure_logging("off", LogFormat::kText).ok());
  EXPECT_TRUE(configure_logging("info", LogFormat::kText).ok());
}

}  // namespace
}  // namespace feedrank::api::serving
