// The Prometheus endpoint over real HTTP against a real server: calls by method and code,
// latency by feed mode, candidates per source, writes by kind, store sizes and the backend, in a
// text format Prometheus's own parser reads.
#include <gmock/gmock.h>

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include "tests/api/metrics_scrape.h"
#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::HasSubstr;

constexpr int kRankingsLimit = 7;

class Metrics : public ApiTest {
 protected:
  void configure(api::ServerOptions& options) override {
    options.metrics_listen_address = "127.0.0.1:0";
    options.algorithmic.max_rankings_in_flight = kRankingsLimit;
  }

  grpc::Status feed(v1::FeedMode mode) {
    v1::GetFeedRequest request;
    request.set_user_id(1);
    request.set_mode(mode);
    request.set_as_of_ms(60'000);  // a minute after the posts
    return client().call(request).status;
  }
};

TEST_F(Metrics, CountCallsByMethodAndCodeAndLatencyByFeedMode) {
  load_small_network();
  ASSERT_THAT(feed(v1::FEED_MODE_CHRONOLOGICAL), IsOk());
  ASSERT_THAT(feed(v1::FEED_MODE_CHRONOLOGICAL), IsOk());
  ASSERT_THAT(feed(v1::FEED_MODE_ALGORITHMIC), IsOk());
  EXPECT_THAT(client().get_feed(99).status, StatusIs(grpc::StatusCode::NOT_FOUND, HasSubstr("99")));

  const MetricsScrape metrics = MetricsScrape::of(server().metrics_address());
  EXPECT_EQ(metrics.content_type(), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(metrics.value(R"(feedrank_requests_total{method="GetFeed",code="OK"})"), 3);
  EXPECT_EQ(metrics.value(R"(feedrank_requests_total{method="GetFeed",code="NOT_FOUND"})"), 1);
  EXPECT_EQ(metrics.value(R"(feedrank_requests_total{method="CreatePosts",code="OK"})"), 1);
  EXPECT_EQ(
      metrics.value(
          R"(feedrank_request_duration_seconds_count{method="GetFeed",mode="chronological"})"),
      3);  // the NOT_FOUND call asked for the chronological feed too
  EXPECT_EQ(metrics.value(
                R"(feedrank_request_duration_seconds_count{method="GetFeed",mode="algorithmic"})"),
            1);
  EXPECT_EQ(
      metrics.value(
          R"(feedrank_request_duration_seconds_bucket{method="GetFeed",mode="algorithmic",le="+Inf"})"),
      1);
  EXPECT_GT(metrics.value(
                R"(feedrank_request_duration_seconds_sum{method="GetFeed",mode="algorithmic"})"),
            0);
  EXPECT_EQ(metrics.value(R"(feedrank_in_flight_requests{method="GetFeed"})"), 0);
  EXPECT_EQ(metrics.value(R"(feedrank_in_flight_limit{method="GetFeed"})"), 256);
}

// A GetFeed that fails before its mode is served (here an invalid limit; a refusal at the door
// takes the same path) counts under the mode it asked for, not under "none".
TEST_F(Metrics, AFailedGetFeedCountsUnderTheModeItAskedFor) {
  load_small_network();
  v1::GetFeedRequest request;
  request.set_user_id(1);
  request.set_mode(v1::FEED_MODE_ALGORITHMIC);
  request.set_limit(-1);
  ASSERT_THAT(client().call(request).status,
              StatusIs(grpc::StatusCode::INVALID_ARGUMENT, HasSubstr("limit")));
  const MetricsScrape metrics = MetricsScrape::of(server().metrics_address());
  EXPECT_EQ(metrics.value(
                R"(feedrank_request_duration_seconds_count{method="GetFeed",mode="algorithmic"})"),
            1);
  EXPECT_EQ(metrics.value(R"(feedrank_request_duration_seconds_count{method="GetFeed",mode="none"})"),
            0);
}

TEST_F(Metrics, ReportCandidatesPerSourceWritesAndStoreSize) {
  load_small_network();
  ASSERT_THAT(feed(v1::FEED_MODE_ALGORITHMIC), IsOk());
  ASSERT_THAT(client().delete_posts({17}).status, IsOk());

  const MetricsScrape metrics = MetricsScrape::of(server().metrics_address());
  EXPECT_EQ(metrics.value("feedrank_ranked_lists_total"), 1);
  // Viewer 1's followees wrote 6 posts: the in-network source finds them all.
  EXPECT_EQ(metrics.value(R"(feedrank_feed_candidates_total{source="in_network"})"), 6);
  EXPECT_GT(metrics.value(R"(feedrank_feed_source_seconds_total{source="in_network"})"), 0);
  EXPECT_LT(metrics.value(R"(feedrank_feed_source_seconds_total{source="in_network"})"), 60);
  for (const char* stage : {"vectors", "signals", "filters", "features", "scoring", "diversity"}) {
    const std::string name =
        std::string(R"(feedrank_ranking_stage_seconds_total{stage=")") + stage + "\"}";
    EXPECT_GT(metrics.value(name), 0) << stage;
    EXPECT_LT(metrics.value(name), 60) << stage;
  }
  EXPECT_EQ(metrics.value(R"(feedrank_written_items_total{kind="post_created"})"), 8);
  EXPECT_EQ(metrics.value(R"(feedrank_written_items_total{kind="user_created"})"), 4);
  EXPECT_EQ(metrics.value(R"(feedrank_written_items_total{kind="follow_created"})"), 2);
  EXPECT_EQ(metrics.value(R"(feedrank_written_items_total{kind="engagement_recorded"})"), 1);
  EXPECT_EQ(metrics.value(R"(feedrank_written_items_total{kind="post_deleted"})"), 1);
  const v1::GetStatsResponse stats = client().stats();
  EXPECT_EQ(metrics.value(R"(feedrank_store_items{kind="posts"})"), stats.posts());
  EXPECT_EQ(metrics.value(R"(feedrank_store_items{kind="users"})"), 4);
  EXPECT_EQ(metrics.value(R"(feedrank_store_items{kind="follows"})"), 2);
  EXPECT_EQ(metrics.value(R"(feedrank_store_items{kind="engagements"})"), 1);
  EXPECT_EQ(metrics.value("feedrank_retrieval_backend_info{backend=\"" + stats.retrieval_backend() +
                          "\",vector_space=\"text\"}"),
            1);
  EXPECT_GT(metrics.value("process_resident_memory_bytes"), 1e6);
  EXPECT_TRUE(metrics.has("feedrank_background_indexing_yielded_seconds_total"));
  EXPECT_EQ(metrics.value("feedrank_background_indexing_yielded_seconds_total"),
            stats.background_indexing_yielded_seconds());
  const v1::CheckpointStatus& checkpoints = stats.checkpoints();
  EXPECT_GE(checkpoints.last_record(), 9u) << "8 posts and an engagement";
  EXPECT_EQ(metrics.value(R"(feedrank_checkpoint_saves_total{result="saved"})"),
            checkpoints.saved());
  EXPECT_EQ(metrics.value(R"(feedrank_checkpoint_saves_total{result="failed"})"), 0);
  EXPECT_EQ(metrics.value("feedrank_records_after_checkpoint"),
            checkpoints.last_record() - checkpoints.through_record());
  EXPECT_TRUE(metrics.has("feedrank_write_calls_waiting"));
  EXPECT_EQ(metrics.value("feedrank_write_calls_waiting"), 0) << "no write in flight";
  EXPECT_FALSE(metrics.has("feedrank_gpu_memory_used_bytes")) << "no GPU backend here";
  EXPECT_EQ(metrics.value("feedrank_rankings_in_flight"), 0) << "no feed being ranked";
  EXPECT_EQ(metrics.value("feedrank_rankings_in_flight_limit"), kRankingsLimit);
}

// An Ingest stream whose deadline passes mid-stream is no finished load: it counts under
// DEADLINE_EXCEEDED (or CANCELLED, when the client's end of the deadline cancels the call before
// the server's own timer fires), not OK, though the chunk read before is stored.
TEST_F(Metrics, AnIngestStreamCutOffByItsDeadlineIsNotCountedAsOk) {
  auto stub = v1::FeedRank::NewStub(
      grpc::CreateChannel(address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  v1::IngestResponse response;
  auto writer = stub->Ingest(&context, &response);
  ASSERT_TRUE(writer->Write(chunk({user_record(1)})));
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);

  const auto cut_off = [](const MetricsScrape& metrics) {
    return metrics.value(R"(feedrank_requests_total{method="Ingest",code="DEADLINE_EXCEEDED"})") +
           metrics.value(R"(feedrank_requests_total{method="Ingest",code="CANCELLED"})");
  };
  double counted = 0;
  for (int tries = 0; tries < 100 && counted == 0; ++tries) {  // the handler ends just after
    counted = cut_off(MetricsScrape::of(server().metrics_address()));
    if (counted == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const MetricsScrape metrics = MetricsScrape::of(server().metrics_address());
  EXPECT_EQ(counted, 1) << metrics.text();
  EXPECT_EQ(metrics.value(R"(feedrank_requests_total{method="Ingest",code="OK"})"), 0);
  EXPECT_EQ(client().stats().users(), 1u);
}

TEST_F(Metrics, GetStatsBreaksMemoryDownOnlyWhenAsked) {
  load_small_network();
  EXPECT_EQ(client().stats().memory_size(), 0) << "the walk is opt-in";
  v1::GetStatsRequest request;
  request.set_memory(true);
  const auto reply = client().call(request);
  ASSERT_THAT(reply.status, IsOk());
  std::map<std::string, std::uint64_t> parts;
  std::uint64_t total = 0;
  for (const v1::MemoryPart& part : reply.response.memory()) {
    parts[part.part()] = part.bytes();
    total += part.bytes();
  }
  for (const char* part : {"users and handles", "follow graph", "posts and texts", "timelines",
                           "engagements", "rocksdb memtables", "post vectors", "user vectors",
                           "idf", "retrieval index", "ranked lists"}) {
    EXPECT_TRUE(parts.contains(part)) << part;
  }
  // 8 posts of 128 floats: the table holds at least their rows.
  EXPECT_GE(parts["post vectors"], 8u * 128u * sizeof(float));
  EXPECT_GT(parts["posts and texts"], 0u);
  EXPECT_GT(reply.response.resident_bytes(), total) << "the parts are within the process";
}

TEST_F(Metrics, PrometheusOwnParserReadsTheExposition) {
  load_small_network();
  ASSERT_THAT(feed(v1::FEED_MODE_ALGORITHMIC), IsOk());
  const MetricsScrape metrics = MetricsScrape::of(server().metrics_address());
  if (std::system("/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null") != 0) {
    GTEST_SKIP() << "python3-prometheus-client is not installed (scripts/setup.sh installs it)";
  }
  const std::filesystem::path exposition = data_dir() / "exposition.txt";
  std::ofstream(exposition) << metrics.text();
  // Debian's python3 (the one with python3-prometheus-client). Parses every family and checks each
  // histogram's buckets are cumulative and end in +Inf.
  const std::string check = R"(/usr/bin/python3 -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
families = list(text_string_to_metric_families(open(sys.argv[1]).read()))
assert len(families) >= 10, len(families)
for family in families:
    if family.type != "histogram":
        continue
    buckets = {}
    for sample in family.samples:
        if sample.name.endswith("_bucket"):
            key = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "le"))
            buckets.setdefault(key, []).append((sample.labels["le"], sample.value))
    for series in buckets.values():
        assert series[-1][0] == "+Inf", series
        values = [v for _, v in series]
        assert values == sorted(values), series
print("parsed", len(families), "families")
' )" + exposition.string();
  EXPECT_EQ(std::system(check.c_str()), 0) << metrics.text();
}

}  // namespace
}  // namespace feedrank::api_test
