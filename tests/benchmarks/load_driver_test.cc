// The driver against a real FeedServer over gRPC on loopback, loaded with a small synthetic
// corpus: what it counts, by RPC and status code, and how fast an open loop sends; and against a
// fake server that holds calls or answers them at once: drops, the drain, what latency covers.
#include "benchmarks/load/load_driver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "api/server.h"
#include "tests/support/temp_dir.h"
#include "tools/cli/grpc_client.h"
#include "tools/cli/ingest_uploader.h"
#include "tools/datasets/synthetic_corpus.h"

namespace feedrank::load {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

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
    const RequestFactory requests(kShape, *picker, clock_, next_post_id_);
    return run_on(server_->address(), requests, stream,
                  {.follow_share = follow_share, .server_pid = server_pid});
  }

  // A step on 2 client threads: 200 ms warm-up, 1 s measured.
  static StepResult run_on(const std::string& address, const RequestFactory& requests,
                           const StreamSpec& stream, const DriverOptions& options) {
    StepSpec step{.name = "test",
                  .streams = {stream},
                  .warmup = milliseconds(200),
                  .measure = milliseconds(1000)};
    return run_step(open_load_channels(address, 2), requests, step, options);
  }

  static StreamSpec closed(const std::string& mix, int callers) {
    return {.label = "closed", .mix = parse(mix), .open_loop = false, .callers = callers};
  }
  static StreamSpec open(const std::string& mix, double rate) {
    return {.label = "open", .mix = parse(mix), .open_loop = true, .rate_per_s = rate};
  }
  static CallMix parse(const std::string& mix) {
    auto parsed = CallMix::parse(mix);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return *parsed;
  }

  static constexpr RequestShape kShape{.users = kUsers, .posts = kPosts, .feed_limit = 5};

  testing::TempDir dir_;
  std::unique_ptr<api::FeedServer> server_;
  LoadClock clock_;
  std::atomic<std::uint64_t> next_post_id_ = first_created_post_id();
  const ViewerPicker uniform_ = *ViewerPicker::parse("uniform", kUsers);
  const RequestFactory requests_{kShape, uniform_, clock_, next_post_id_};
};

// Nearest-posts requests that take `build` to make, as a large write batch does.
class SlowRequests final : public RequestFactory {
 public:
  SlowRequests(const RequestFactory& requests, milliseconds build)
      : RequestFactory(requests), build_(build) {}

  v1::GetNearestPostsRequest nearest(std::mt19937_64& random) const override {
    std::this_thread::sleep_for(build_);
    return RequestFactory::nearest(random);
  }

 private:
  milliseconds build_;
};

const KindStats& of(const StepResult& result, CallKind kind) {
  return result.streams.at(0).kinds[static_cast<std::size_t>(kind)];
}

// A FeedRank server of the test's own for feeds and nearest posts: it holds each call until the
// call is cancelled (its deadline, the client), or answers each at once, empty.
class FakeFeedRank final : public v1::FeedRank::CallbackService {
 public:
  explicit FakeFeedRank(bool hold) : hold_(hold) {}

  grpc::ServerUnaryReactor* GetFeed(grpc::CallbackServerContext* context, const v1::GetFeedRequest*,
                                    v1::GetFeedResponse*) override {
    return answer(context);
  }
  grpc::ServerUnaryReactor* GetNearestPosts(grpc::CallbackServerContext* context,
                                            const v1::GetNearestPostsRequest*,
                                            v1::GetNearestPostsResponse*) override {
    return answer(context);
  }

 private:
  struct Held : grpc::ServerUnaryReactor {
    void OnCancel() override { Finish(grpc::Status::CANCELLED); }
    void OnDone() override { delete this; }
  };

  grpc::ServerUnaryReactor* answer(grpc::CallbackServerContext* context) {
    if (hold_) return new Held;
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  bool hold_;
};

class FakeServer {
 public:
  explicit FakeServer(bool hold) : service_(hold) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~FakeServer() { server_->Shutdown(std::chrono::system_clock::now() + seconds(1)); }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  FakeFeedRank service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

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

// With 1 call in flight per thread, held by the server past the window (the first, due in the
// warm-up, until its deadline 1.5 s after it was sent; the window ends at 1.2 s), every call due
// in the window is dropped: each still counts in its RPC's row, as DROPPED (client).
TEST_F(LoadDriverTest, CallsDroppedAtTheCapCountInTheirRpcsRows) {
  FakeServer server(/*hold=*/true);
  StreamSpec stream = open("chrono=0.5,nearest=0.5", 200);
  stream.max_outstanding = 2;  // 1 per thread
  const StepResult result =
      run_on(server.address(), requests_, stream, {.call_deadline = milliseconds(1500)});
  const PacerCounts& pacing = result.streams.at(0).pacing;
  EXPECT_EQ(pacing.sent, 0u);
  EXPECT_GT(pacing.dropped, 100u);
  EXPECT_EQ(pacing.dropped, pacing.due);
  std::uint64_t dropped = 0;
  for (std::size_t k = 0; k < kCallKinds; ++k) {
    const KindStats& stats = of(result, static_cast<CallKind>(k));
    EXPECT_EQ(stats.calls(), stats.dropped()) << call_name(static_cast<CallKind>(k));
    dropped += stats.dropped();
  }
  EXPECT_EQ(dropped, pacing.dropped);
  EXPECT_GT(of(result, CallKind::kChronologicalFeed).dropped(), 0u);
  EXPECT_GT(of(result, CallKind::kNearestPosts).dropped(), 0u);
}

// The server holds every call and the drain waits for none: the calls still in flight are
// cancelled, and counted so, rather than lost.
TEST_F(LoadDriverTest, CallsLeftInFlightAfterTheDrainCountAsCancelled) {
  FakeServer server(/*hold=*/true);
  const StepResult result = run_on(server.address(), requests_, open("chrono=1", 100),
                                   {.call_deadline = seconds(60), .drain = milliseconds(0)});
  const PacerCounts& pacing = result.streams.at(0).pacing;
  EXPECT_GT(pacing.sent, 50u);
  const KindStats& feed = of(result, CallKind::kChronologicalFeed);
  EXPECT_EQ(feed.calls(), pacing.sent);
  EXPECT_EQ(feed.codes.at(static_cast<int>(grpc::StatusCode::CANCELLED)), feed.calls());
}

// A closed-loop call's latency runs from its StartCall: building its request (40 ms each here)
// is the load generator's time, not the server's, which answers at once. Counted from the
// previous call's return, as before, every call would take over 40 ms.
TEST_F(LoadDriverTest, ClosedLoopLatencyLeavesOutBuildingTheRequest) {
  FakeServer server(/*hold=*/false);
  const SlowRequests requests(requests_, milliseconds(40));
  const StepResult result = run_on(server.address(), requests, closed("nearest=1", 1), {});
  const KindStats& nearest = of(result, CallKind::kNearestPosts);
  ASSERT_GT(nearest.ok(), 5u);
  EXPECT_LT(nearest.ok_latency.percentile_ns(50), 20'000'000u);
}

// An open-loop call's send delay runs to its StartCall, after its request was built (20 ms here),
// not to when the sender woke for it: with calls 200 ms apart per thread, the sender wakes on
// time and still sends every call over 20 ms late.
TEST_F(LoadDriverTest, OpenLoopSendDelayRunsToTheCallsStart) {
  FakeServer server(/*hold=*/false);
  const SlowRequests requests(requests_, milliseconds(20));
  const StepResult result = run_on(server.address(), requests, open("nearest=1", 10), {});
  const PacerCounts& pacing = result.streams.at(0).pacing;
  ASSERT_GT(pacing.sent, 5u);
  EXPECT_GE(pacing.send_delay.min_ns(), 20'000'000u);
  EXPECT_EQ(pacing.late, pacing.sent);
}

}  // namespace
}  // namespace feedrank::load
