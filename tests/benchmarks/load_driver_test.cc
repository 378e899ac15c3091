// The driver against a real FeedServer over gRPC on loopback, loaded with a small synthetic
// corpus: what it counts, by RPC and status code, and how fast an open loop sends.
#include "benchmarks/load/load_driver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "api/server.h"
#include "tests/support/temp_dir.h"
#include "tools/cli/grpc_client.h"
#include "tools/cli/ingest_uploader.h"
#include "tools/datasets/synthetic_corpus.h"

namespace feedrank::load {
namespace {

using std::chrono::milliseconds;

constexpr std::uint64_t kUsers = 60;
constexpr std::uint64_t kPosts = 600;

class LoadDriverTest : public ::testing::Test {
 protected:
  void start(api::serving::ServingLimits limits = {}) {
    api::ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.data_dir = dir_.sub("server");
    options.limits = std::move(limits);
    auto server = api::FeedServer::start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    cli::IngestUploader uploader(cli::open_channel(server_->address()), server_->address());
    auto generated = datasets::generate_synthetic_corpus(
        {.users = kUsers, .posts = kPosts, .seed = 5},
        [&](const v1::IngestRecord& record, int) { ASSERT_TRUE(uploader.add(record)); });
    ASSERT_TRUE(generated.ok()) << generated.status();
    const auto summary = uploader.finish();
    ASSERT_TRUE(summary.status.ok()) << summary.status.error_message();
  }

  StepResult run(const std::string& viewers, const StreamSpec& stream, double follow_share = 0.5,
                 int server_pid = 0) {
    auto picker = ViewerPicker::parse(viewers, kUsers);
    EXPECT_TRUE(picker.ok()) << picker.status();
    RequestFactory requests({.users = kUsers, .posts = kPosts, .feed_limit = 5}, *picker, clock_,
                            next_post_id_);
    StepSpec step{.name = "test",
                  .streams = {stream},
                  .warmup = milliseconds(200),
                  .measure = milliseconds(1000)};
    return run_step(open_load_channels(server_->address(), 2), requests, step,
                    {.follow_share = follow_share, .server_pid = server_pid});
  }

  static StreamSpec closed(const std::string& mix, int callers) {
    auto parsed = CallMix::parse(mix);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return {.label = "closed", .mix = *parsed, .open_loop = false, .callers = callers};
  }

  testing::TempDir dir_;
  std::unique_ptr<api::FeedServer> server_;
  LoadClock clock_;
  std::atomic<std::uint64_t> next_post_id_ = first_created_post_id();
};

const KindStats& of(const StepResult& result, CallKind kind) {
  return result.streams.at(0).kinds[static_cast<std::size_t>(kind)];
}

// Nearest-posts requests ask for a viewer's nearest posts, or with a vector dimension for a
// random unit vector of it (the ingest benchmark's reader, over gRPC).
TEST(RequestFactoryTest, NearestAsksForAViewerOrARandomUnitVector) {
  auto picker = ViewerPicker::parse("uniform", kUsers);
  ASSERT_TRUE(picker.ok()) << picker.status();
  LoadClock clock;
  std::atomic<std::uint64_t> next_post_id = first_created_post_id();
  std::mt19937_64 random(7);
  const RequestFactory viewers({.users = kUsers, .posts = kPosts, .nearest_k = 12}, *picker, clock,
                               next_post_id);
  const v1::GetNearestPostsRequest by_viewer = viewers.nearest(random);
  EXPECT_GE(by_viewer.user_id(), 1u);
  EXPECT_LE(by_viewer.user_id(), kUsers);
  EXPECT_EQ(by_viewer.embedding_size(), 0);
  EXPECT_EQ(by_viewer.k(), 12);

  const RequestFactory vectors(
      {.users = kUsers, .posts = kPosts, .nearest_k = 12, .nearest_vector_dimension = 16}, *picker,
      clock, next_post_id);
  const v1::GetNearestPostsRequest first = vectors.nearest(random);
  const v1::GetNearestPostsRequest second = vectors.nearest(random);
  EXPECT_EQ(first.user_id(), 0u);
  ASSERT_EQ(first.embedding_size(), 16);
  double squares = 0;
  for (const float value : first.embedding()) squares += static_cast<double>(value) * value;
  EXPECT_NEAR(squares, 1.0, 1e-5);
  EXPECT_NE(first.embedding(0), second.embedding(0));
  EXPECT_EQ(first.k(), 12);
}

TEST_F(LoadDriverTest, ClosedLoopCountsEachRpcAndTimesEveryOkCall) {
  start();
  const StepResult result = run("uniform", closed("chrono=0.4,algo=0.2,nearest=0.2,writes=0.2", 4));
  for (CallKind kind :
       {CallKind::kChronologicalFeed, CallKind::kAlgorithmicFeed, CallKind::kNearestPosts,
        CallKind::kCreatePosts, CallKind::kRecordEngagements}) {
    const KindStats& stats = of(result, kind);
    EXPECT_GT(stats.calls(), 0u) << call_name(kind);
    EXPECT_EQ(stats.ok(), stats.calls()) << call_name(kind) << ": every call should succeed";
    EXPECT_EQ(stats.ok_latency.count(), stats.ok()) << call_name(kind);
    EXPECT_GT(stats.ok_latency.percentile_ns(50), 0u) << call_name(kind);
  }
  // The posts the write calls created are in the store.
  auto stub = v1::FeedRank::NewStub(cli::open_channel(server_->address()));
  grpc::ClientContext context;
  v1::GetStatsResponse stats;
  ASSERT_TRUE(stub->GetStats(&context, {}, &stats).ok());
  EXPECT_GE(stats.posts(), kPosts + of(result, CallKind::kCreatePosts).ok());
}

// The server runs in this process here, so "its" CPU time is the load generator's: both are
// read over the same window.
TEST_F(LoadDriverTest, ReportsTheCpuUsedInTheMeasuringWindow) {
  start();
  const StepResult unknown_server = run("uniform", closed("chrono=1", 4));
  EXPECT_FALSE(unknown_server.cpu.server_s.has_value());
  ASSERT_TRUE(unknown_server.cpu.load_generator_s.has_value());
  EXPECT_GT(*unknown_server.cpu.load_generator_s, 0.0);

  const StepResult result = run("uniform", closed("chrono=1", 4), 0.5, ::getpid());
  ASSERT_TRUE(result.cpu.server_s.has_value());
  ASSERT_TRUE(result.cpu.load_generator_s.has_value());
  EXPECT_GT(*result.cpu.server_s, 0.0);
  EXPECT_NEAR(*result.cpu.server_s, *result.cpu.load_generator_s,
              0.1 * *result.cpu.load_generator_s + 0.05);
  // The 1 s window as sampled, and at most every core busy through it (and a tick of rounding).
  EXPECT_GE(result.cpu.window_s, 0.99);
  EXPECT_LE(*result.cpu.server_s, std::thread::hardware_concurrency() * result.cpu.window_s + 0.05);
}

TEST_F(LoadDriverTest, FailedCallsAreCountedByCodeAndNotTimed) {
  start();
  const StepResult result = run("fixed:999999", closed("chrono=1", 2));
  const KindStats& feed = of(result, CallKind::kChronologicalFeed);
  EXPECT_GT(feed.calls(), 0u);
  EXPECT_EQ(feed.codes.at(static_cast<int>(grpc::StatusCode::NOT_FOUND)), feed.calls());
  EXPECT_EQ(feed.ok_latency.count(), 0u);
}

TEST_F(LoadDriverTest, RefusalsPastTheInFlightLimitAreCountedApartFromOkCalls) {
  api::serving::ServingLimits limits;
  limits.method_overrides["GetFeed"] = 1;
  start(limits);
  const StepResult result = run("uniform", closed("algo=1", 16));
  const KindStats& feed = of(result, CallKind::kAlgorithmicFeed);
  const auto refused = feed.codes.find(static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
  ASSERT_NE(refused, feed.codes.end()) << "16 callers past a limit of 1 were never refused";
  EXPECT_GT(refused->second, 0u);
  EXPECT_GT(feed.ok(), 0u);
  EXPECT_EQ(feed.ok() + refused->second, feed.calls());
  EXPECT_EQ(feed.ok_latency.count(), feed.ok());
}

TEST_F(LoadDriverTest, OpenLoopSendsAtTheIntendedRate) {
  start();
  auto mix = CallMix::parse("chrono=1");
  ASSERT_TRUE(mix.ok());
  const StepResult result =
      run("uniform", {.label = "open", .mix = *mix, .open_loop = true, .rate_per_s = 300});
  const StreamResult& stream = result.streams.at(0);
  // 300/s over the 1 s window, split over 2 threads (the window's edges may take one each).
  EXPECT_NEAR(static_cast<double>(stream.pacing.due), 300, 3);
  EXPECT_EQ(stream.pacing.dropped, 0u);
  EXPECT_EQ(stream.pacing.sent, stream.pacing.due);
  EXPECT_EQ(of(result, CallKind::kChronologicalFeed).calls(), stream.pacing.sent);
}

}  // namespace
}  // namespace feedrank::load
