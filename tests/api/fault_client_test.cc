// Misbehaving clients against the real feedrank-server: one that walks away in the middle of an
// Ingest stream or a GetFeed, and calls with a 1 ms deadline. The server stays healthy, serves the
// next call normally, and a cut stream leaves every chunk whole or absent.
#include <gmock/gmock.h>

#include <chrono>
#include <thread>

#include "tests/api/fault/ingest_ledger.h"
#include "tests/api/metrics_scrape.h"
#include "tests/api/server_process.h"
#include "tests/api/test_client.h"
#include "tests/api/test_records.h"
#include "tests/support/temp_dir.h"

namespace feedrank::api_test {
namespace {

using ::testing::AnyOf;
using ::testing::Ge;
using ::testing::IsEmpty;

constexpr int kPostsPerChunk = 400;
constexpr std::size_t kPostTextBytes = 2000;  // a chunk is about 1 MB on the wire

class FaultClient : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>("127.0.0.1:0", scratch_.path() / "data",
                                              scratch_.path(),
                                              std::vector<std::string>{"--metrics-listen", "127.0.0.1:0"});
    const std::string address = server_->wait_until_listening();
    ASSERT_NE(address, "") << server_->stderr_text();
    // "metrics on http://HOST:PORT/metrics": the in-flight gauges tell when a call has ended.
    const std::string& log = server_->startup_output();
    const auto start = log.find("metrics on http://");
    ASSERT_NE(start, std::string::npos) << log;
    const auto host = start + std::string_view("metrics on http://").size();
    metrics_address_ = log.substr(host, log.find("/metrics", host) - host);
    client_ = std::make_unique<TestClient>(address);
    stub_ = v1::FeedRank::NewStub(client_->channel());
    ASSERT_TRUE(client_->upsert_users({user(kLedgerAnchorUser)}).status.ok());
  }

  // Streams `chunks` more of the ledger's chunks in one call and finishes it.
  grpc::Status ingest(int chunks) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::IngestResponse summary;
    auto stream = stub_->Ingest(&context, &summary);
    const std::uint64_t first = ledger_.begin_stream();
    for (std::uint64_t i = first; i < first + chunks; ++i) {
      ledger_.mark_sent(i);
      if (!stream->Write(ledger_.chunk(i))) break;
    }
    stream->WritesDone();
    const grpc::Status status = stream->Finish();
    if (status.ok()) ledger_.acknowledge_stream();
    return status;
  }

  // Waits until the server has no Ingest call in flight (a handler may go on applying the chunk
  // it read after its client left).
  void wait_until_no_ingest_in_flight() {
    const std::string gauge = R"(feedrank_in_flight_requests{method="Ingest"})";
    ASSERT_TRUE(MetricsScrape::of(metrics_address_).has(gauge));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (MetricsScrape::of(metrics_address_).value(gauge) > 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // The server answers normally: GetStats, and an Ingest stream is acknowledged.
  void expect_healthy() {
    EXPECT_TRUE(client_->call(v1::GetStatsRequest()).status.ok());
    EXPECT_TRUE(ingest(1).ok());
  }

  testing::TempDir scratch_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<TestClient> client_;
  std::unique_ptr<v1::FeedRank::Stub> stub_;
  std::string metrics_address_;
  IngestLedger ledger_{kPostsPerChunk, kPostTextBytes};
};

TEST_F(FaultClient, AClientCancellingAnIngestStreamLeavesEveryChunkWholeOrAbsent) {
  ASSERT_TRUE(ingest(2).ok());

  grpc::ClientContext context;
  v1::IngestResponse summary;
  auto stream = stub_->Ingest(&context, &summary);
  const std::uint64_t first = ledger_.begin_stream();
  for (std::uint64_t i = first; i < first + 3; ++i) {
    ledger_.mark_sent(i);
    ASSERT_TRUE(stream->Write(ledger_.chunk(i)));
  }
  // Once the server applied those three, cancel while the next two are on their way.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (client_->stats().users() < 1 + 5 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::thread cancel([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    context.TryCancel();
  });
  for (std::uint64_t i = first + 3; i < first + 5; ++i) {
    ledger_.mark_sent(i);
    if (!stream->Write(ledger_.chunk(i))) break;
  }
  cancel.join();
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_NO_FATAL_FAILURE(wait_until_no_ingest_in_flight());

  const LedgerCheck check = ledger_.check(*client_);
  EXPECT_THAT(check.problems, IsEmpty());
  EXPECT_THAT(check.unacknowledged_present, Ge(3u)) << "the chunks applied before the cancel";
  ASSERT_NO_FATAL_FAILURE(expect_healthy());
  EXPECT_THAT(ledger_.check(*client_).problems, IsEmpty());
}

class FaultClientWithData : public FaultClient {
 protected:
  void SetUp() override {
    FaultClient::SetUp();
    ASSERT_TRUE(ingest(3).ok());
    // A viewer with a network: the first chunk's user follows the others'.
    std::vector<v1::FollowEdge> edges;
    for (std::uint64_t c = 1; c < 3; ++c) {
      edges.push_back(edge(IngestLedger::chunk_user(0), IngestLedger::chunk_user(c)));
    }
    ASSERT_TRUE(client_->follow(edges).status.ok());
  }

  static std::uint64_t viewer() { return IngestLedger::chunk_user(0); }

  v1::GetFeedRequest feed_request(v1::FeedMode mode) const {
    v1::GetFeedRequest request;
    request.set_user_id(viewer());
    request.set_mode(mode);
    request.set_limit(50);
    return request;
  }
  v1::GetNearestPostsRequest nearest_request() const {
    v1::GetNearestPostsRequest request;
    request.set_user_id(viewer());
    request.set_k(10);
    return request;
  }

  // Runs `call` with a context that has `deadline`, or that is cancelled after `cancel_after`.
  template <class Call>
  static grpc::Status cut_short(Call call, std::chrono::microseconds deadline,
                                std::chrono::microseconds cancel_after) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + deadline);
    std::thread cancel;
    if (cancel_after.count() > 0) {
      cancel = std::thread([&] {
        std::this_thread::sleep_for(cancel_after);
        context.TryCancel();
      });
    }
    const grpc::Status status = call(context);
    if (cancel.joinable()) cancel.join();
    return status;
  }
};

TEST_F(FaultClientWithData, AOneMillisecondDeadlineEndsTheCallAndTheNextOneIsServed) {
  const auto algorithmic = feed_request(v1::FEED_MODE_ALGORITHMIC);
  const auto chronological = feed_request(v1::FEED_MODE_CHRONOLOGICAL);
  const auto nearest = nearest_request();
  int exceeded = 0;
  for (int round = 0; round < 10; ++round) {
    for (const auto* request : {&algorithmic, &chronological}) {
      v1::GetFeedResponse response;
      const grpc::Status status = cut_short(
          [&](grpc::ClientContext& context) { return stub_->GetFeed(&context, *request, &response); },
          std::chrono::milliseconds(1), std::chrono::microseconds(0));
      EXPECT_THAT(status.error_code(),
                  AnyOf(grpc::StatusCode::OK, grpc::StatusCode::DEADLINE_EXCEEDED))
          << status.error_message();
      exceeded += status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
    }
    v1::GetNearestPostsResponse response;
    const grpc::Status status = cut_short(
        [&](grpc::ClientContext& context) {
          return stub_->GetNearestPosts(&context, nearest, &response);
        },
        std::chrono::milliseconds(1), std::chrono::microseconds(0));
    EXPECT_THAT(status.error_code(),
                AnyOf(grpc::StatusCode::OK, grpc::StatusCode::DEADLINE_EXCEEDED))
        << status.error_message();
    exceeded += status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
  }
  RecordProperty("deadline_exceeded_of_30", exceeded);
  // Served normally afterwards, in full.
  const auto page = client_->call(algorithmic);
  ASSERT_TRUE(page.status.ok()) << page.status.error_message();
  EXPECT_GT(page.response.items_size(), 0);
  EXPECT_EQ(client_->call(chronological).response.items_size(), 50);
  EXPECT_EQ(client_->call(nearest).response.posts_size(), 10);
  ASSERT_NO_FATAL_FAILURE(expect_healthy());
}

TEST_F(FaultClientWithData, AClientCancellingGetFeedLeavesTheServerServing) {
  for (int round = 0; round < 20; ++round) {
    const auto request = feed_request(round % 2 == 0 ? v1::FEED_MODE_ALGORITHMIC
                                                     : v1::FEED_MODE_CHRONOLOGICAL);
    v1::GetFeedResponse response;
    const grpc::Status status = cut_short(
        [&](grpc::ClientContext& context) { return stub_->GetFeed(&context, request, &response); },
        std::chrono::seconds(30), std::chrono::microseconds(100 * round));
    EXPECT_THAT(status.error_code(), AnyOf(grpc::StatusCode::OK, grpc::StatusCode::CANCELLED))
        << status.error_message();
  }
  const auto page = client_->call(feed_request(v1::FEED_MODE_ALGORITHMIC));
  ASSERT_TRUE(page.status.ok()) << page.status.error_message();
  EXPECT_GT(page.response.items_size(), 0);
  ASSERT_NO_FATAL_FAILURE(expect_healthy());
}

}  // namespace
}  // namespace feedrank::api_test
