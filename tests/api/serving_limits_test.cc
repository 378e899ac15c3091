// The call gate over real gRPC: request ids echoed, calls past a method's in-flight limit refused
// at once with RESOURCE_EXHAUSTED (a burst far beyond the limit included), and the server serving
// normally afterwards.
#include <gmock/gmock.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "tests/api/metrics_scrape.h"
#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr int kIngestLimit = 2;
constexpr int kFeedLimit = 3;
constexpr int kNearestLimit = 2;

class ServingLimits : public ApiTest {
 protected:
  void configure(api::ServerOptions& options) override {
    options.metrics_listen_address = "127.0.0.1:0";
    options.limits.method_overrides["Ingest"] = kIngestLimit;
    options.limits.method_overrides["GetFeed"] = kFeedLimit;
    options.limits.method_overrides["GetNearestPosts"] = kNearestLimit;
  }

  std::unique_ptr<v1::FeedRank::Stub> stub() { return v1::FeedRank::NewStub(client().channel()); }
  MetricsScrape scrape() { return MetricsScrape::of(server().metrics_address()); }

  // Ingest streams that stay open, each holding one of Ingest's slots, until destroyed.
  struct OpenStream {
    grpc::ClientContext context;
    v1::IngestResponse response;
    std::unique_ptr<grpc::ClientWriter<v1::IngestRequest>> writer;
  };
  std::vector<std::unique_ptr<OpenStream>> hold_ingest_slots(int count) {
    std::vector<std::unique_ptr<OpenStream>> streams;
    auto ingest = stub();
    for (int i = 0; i < count; ++i) {
      auto stream = std::make_unique<OpenStream>();
      stream->writer = ingest->Ingest(&stream->context, &stream->response);
      streams.push_back(std::move(stream));
    }
    // The server has them once its in-flight gauge says so.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (scrape().value("feedrank_in_flight_requests{method=\"Ingest\"}") < count &&
           std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return streams;
  }
};

TEST_F(ServingLimits, EchoesTheCallersRequestIdOrMakesOne) {
  auto feed = stub();
  const auto echoed = [&](const char* given) {
    grpc::ClientContext context;
    if (given) context.AddMetadata("x-request-id", given);
    v1::GetStatsResponse response;
    EXPECT_THAT(feed->GetStats(&context, v1::GetStatsRequest(), &response), IsOk());
    const auto& metadata = context.GetServerInitialMetadata();
    const auto id = metadata.find("x-request-id");
    return id == metadata.end() ? std::string("<none>")
                                : std::string(id->second.data(), id->second.size());
  };
  EXPECT_EQ(echoed("checkout-42.a"), "checkout-42.a");
  EXPECT_THAT(echoed(nullptr), MatchesRegex("[0-9a-f]{16}"));
  EXPECT_THAT(echoed("has space"), MatchesRegex("[0-9a-f]{16}")) << "replaced, not trusted";
  EXPECT_NE(echoed(nullptr), echoed(nullptr));
}

TEST_F(ServingLimits, AStreamPastTheLimitIsRefusedAtOnceAndStoresNothing) {
  auto held = hold_ingest_slots(kIngestLimit);
  ASSERT_EQ(scrape().value("feedrank_in_flight_requests{method=\"Ingest\"}"), kIngestLimit);
  auto refused = client().ingest({chunk({user_record(7)})});
  EXPECT_THAT(refused.status, StatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED, ::testing::_));
  EXPECT_THAT(refused.status.error_message(), HasSubstr("Ingest: 2 calls in flight"));
  EXPECT_EQ(client().stats().users(), 0u);
  // Other methods have slots of their own.
  EXPECT_THAT(client().upsert_users({user(8)}).status, IsOk());

  for (auto& stream : held) {
    stream->writer->WritesDone();
    EXPECT_THAT(stream->writer->Finish(), IsOk());
  }
  EXPECT_THAT(client().ingest({chunk({user_record(7)})}).status, IsOk());
  EXPECT_EQ(client().stats().users(), 2u);
  const MetricsScrape metrics = scrape();
  EXPECT_EQ(metrics.value("feedrank_requests_total{method=\"Ingest\",code=\"RESOURCE_EXHAUSTED\"}"),
            1);
  EXPECT_EQ(metrics.value("feedrank_requests_total{method=\"Ingest\",code=\"OK\"}"),
            kIngestLimit + 1);
  EXPECT_EQ(metrics.value("feedrank_in_flight_requests{method=\"Ingest\"}"), 0);
}

TEST_F(ServingLimits, ABurstFarBeyondTheLimitIsRefusedAndTheServerServesOn) {
  ASSERT_THAT(client().upsert_users({user(1)}).status, IsOk());
  auto held = hold_ingest_slots(kIngestLimit);
  // 400 streams from 8 threads while the slots are taken: every one refused, none stored.
  std::atomic<int> refused{0};
  std::atomic<int> other{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&, t] {
      auto ingest = stub();
      for (int i = 0; i < 50; ++i) {
        grpc::ClientContext context;
        v1::IngestResponse response;
        auto writer = ingest->Ingest(&context, &response);
        writer->Write(chunk({user_record(1000 + t * 50 + i)}));
        writer->WritesDone();
        const grpc::Status status = writer->Finish();
        (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ? refused : other)++;
      }
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(refused.load(), 400);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(client().stats().users(), 1u);

  // A burst of feed calls from 32 threads against a limit of 3, half of them chronological
  // (served on gRPC's threads) and half algorithmic (on the service's workers): each is served or
  // refused, nothing else, and the server answers normally once it passes.
  std::atomic<int> served{0};
  std::atomic<int> feed_refused{0};
  std::atomic<int> feed_other{0};
  callers.clear();
  for (int t = 0; t < 32; ++t) {
    callers.emplace_back([&, t] {
      auto feed = stub();
      for (int i = 0; i < 20; ++i) {
        grpc::ClientContext context;
        v1::GetFeedRequest request;
        request.set_user_id(1);
        request.set_mode(t % 2 == 0 ? v1::FEED_MODE_CHRONOLOGICAL : v1::FEED_MODE_ALGORITHMIC);
        v1::GetFeedResponse response;
        const auto code = feed->GetFeed(&context, request, &response).error_code();
        (code == grpc::StatusCode::OK                   ? served
         : code == grpc::StatusCode::RESOURCE_EXHAUSTED ? feed_refused
                                                        : feed_other)++;
      }
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(served + feed_refused, 640);
  EXPECT_EQ(feed_other.load(), 0);
  const MetricsScrape metrics = scrape();
  EXPECT_EQ(metrics.value("feedrank_requests_total{method=\"GetFeed\",code=\"OK\"}"), served);
  EXPECT_EQ(
      metrics.value("feedrank_requests_total{method=\"GetFeed\",code=\"RESOURCE_EXHAUSTED\"}"),
      feed_refused);
  EXPECT_LE(metrics.value("feedrank_in_flight_limit{method=\"GetFeed\"}"), kFeedLimit);

  for (auto& stream : held) {
    stream->writer->WritesDone();
    EXPECT_THAT(stream->writer->Finish(), IsOk());
  }
  EXPECT_THAT(client().get_feed(1).status, IsOk());
  EXPECT_THAT(client().ingest({chunk({user_record(2)})}).status, IsOk());
}

// Over a scan (this fixture's index), GetNearestPosts runs on the service's workers: a burst
// against its limit of 2 is served or refused at once with a message naming the method, nothing
// else; the metrics count each, every slot is given back, and the server serves on.
TEST_F(ServingLimits, ANearestPostsBurstIsServedOrRefusedAndCounted) {
  ASSERT_THAT(client().upsert_users({user(1)}).status, IsOk());
  v1::Post along_first_axis = post(10, 1, 1000);
  along_first_axis.mutable_embedding()->Resize(128, 0.0f);
  along_first_axis.mutable_embedding()->Set(0, 1.0f);
  ASSERT_THAT(client().create_posts({along_first_axis}).status, IsOk());
  v1::GetNearestPostsRequest request;
  request.mutable_embedding()->Assign(along_first_axis.embedding().begin(),
                                      along_first_axis.embedding().end());
  request.set_k(1);

  std::atomic<int> served{0};
  std::atomic<int> refused{0};
  std::atomic<int> other{0};
  std::atomic<int> unexplained_refusals{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 32; ++t) {
    callers.emplace_back([&] {
      auto nearest = stub();
      for (int i = 0; i < 20; ++i) {
        grpc::ClientContext context;
        v1::GetNearestPostsResponse response;
        const grpc::Status status = nearest->GetNearestPosts(&context, request, &response);
        const auto code = status.error_code();
        const bool right = response.posts_size() == 1 && response.posts(0).post_id() == 10;
        const bool names_the_limit =
            status.error_message().find("GetNearestPosts: 2 calls in flight") != std::string::npos;
        if (code == grpc::StatusCode::RESOURCE_EXHAUSTED && !names_the_limit) {
          ++unexplained_refusals;
        }
        (code == grpc::StatusCode::OK && right              ? served
         : code == grpc::StatusCode::RESOURCE_EXHAUSTED ? refused
                                                        : other)++;
      }
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(served + refused, 640);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(unexplained_refusals.load(), 0);
  EXPECT_GT(served.load(), 0);
  const MetricsScrape metrics = scrape();
  EXPECT_EQ(metrics.value("feedrank_requests_total{method=\"GetNearestPosts\",code=\"OK\"}"),
            served);
  EXPECT_EQ(metrics.value(
                "feedrank_requests_total{method=\"GetNearestPosts\",code=\"RESOURCE_EXHAUSTED\"}"),
            refused);
  EXPECT_EQ(metrics.value("feedrank_in_flight_limit{method=\"GetNearestPosts\"}"), kNearestLimit);
  // Each slot is given back with the answer (ServedCall::finish), before the caller has it.
  EXPECT_EQ(metrics.value("feedrank_in_flight_requests{method=\"GetNearestPosts\"}"), 0);
  EXPECT_THAT(client().call(request).status, IsOk());
}

TEST_F(ServingLimits, AMessageOverTheSizeLimitIsRefusedBeforeItIsRead) {
  ASSERT_THAT(client().upsert_users({user(1)}).status, IsOk());
  v1::Post huge = post(10, 1, 1000);
  huge.set_text(std::string(65u << 20, 'a'));  // past the 64 MiB a message may hold
  EXPECT_THAT(client().create_posts({huge}).status,
              StatusIs(grpc::StatusCode::RESOURCE_EXHAUSTED, HasSubstr("larger than max")));
  EXPECT_EQ(client().stats().posts(), 0u);
  EXPECT_THAT(client().create_posts({post(10, 1, 1000)}).status, IsOk());
}

}  // namespace
}  // namespace feedrank::api_test
