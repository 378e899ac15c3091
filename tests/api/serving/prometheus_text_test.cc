#include "api/metrics/prometheus_text.h"

#include <gmock/gmock.h>

#include <array>
#include <thread>
#include <vector>

namespace feedrank::api::metrics {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(Histogram, CountsEachValueInTheFirstBucketItFitsAndReportsCumulativeCounts) {
  const std::array<double, 3> bounds = {1, 2, 5};
  Histogram histogram(bounds);
  for (const double value : {0.5, 1.0, 1.5, 2.0, 4.0, 7.0, 100.0}) histogram.observe(value);
  const Histogram::Snapshot snapshot = histogram.snapshot();
  // le=1: 0.5, 1 | le=2: + 1.5, 2 | le=5: + 4 | +Inf: + 7, 100
  EXPECT_THAT(snapshot.cumulative, ElementsAre(2, 4, 5, 7));
  EXPECT_DOUBLE_EQ(snapshot.sum, 116.0);
}

TEST(Histogram, LosesNoObservationUnderConcurrentWriters) {
  Histogram histogram(latency_buckets_seconds());
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&histogram, t] {
      for (int i = 0; i < 10'000; ++i) histogram.observe(0.001 * (t + 1));
    });
  }
  for (auto& writer : writers) writer.join();
  const Histogram::Snapshot snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.cumulative.back(), 40'000u);
  EXPECT_NEAR(snapshot.sum, 10'000 * 0.001 * (1 + 2 + 3 + 4), 1e-6);
}

TEST(ExpositionWriter, WritesHelpAndTypeOncePerFamilyAndLabelsInOrder) {
  ExpositionWriter out;
  out.counter("calls_total", "Calls.", {{"method", "GetFeed"}, {"code", "OK"}}, 3);
  out.counter("calls_total", "Calls.", {{"method", "GetFeed"}, {"code", "NOT_FOUND"}}, 1);
  out.gauge("queue", "Queued.", {}, 2.5);
  EXPECT_EQ(out.text(),
            "# HELP calls_total Calls.\n"
            "# TYPE calls_total counter\n"
            "calls_total{method=\"GetFeed\",code=\"OK\"} 3\n"
            "calls_total{method=\"GetFeed\",code=\"NOT_FOUND\"} 1\n"
            "# HELP queue Queued.\n"
            "# TYPE queue gauge\n"
            "queue 2.5\n");
}

TEST(ExpositionWriter, WritesHistogramBucketsSumAndCount) {
  const std::array<double, 2> bounds = {0.5, 1};
  Histogram histogram(bounds);
  histogram.observe(0.25);
  histogram.observe(3);
  ExpositionWriter out;
  out.histogram("latency_seconds", "Latency.", {{"method", "A"}}, histogram.snapshot());
  EXPECT_EQ(out.text(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{method=\"A\",le=\"0.5\"} 1\n"
            "latency_seconds_bucket{method=\"A\",le=\"1\"} 1\n"
            "latency_seconds_bucket{method=\"A\",le=\"+Inf\"} 2\n"
            "latency_seconds_sum{method=\"A\"} 3.25\n"
            "latency_seconds_count{method=\"A\"} 2\n");
}

TEST(ExpositionWriter, EscapesLabelValues) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  ExpositionWriter out;
  out.gauge("info", "Info.", {{"backend", "cpu \"exact\""}}, 1);
  EXPECT_THAT(out.text(), HasSubstr("info{backend=\"cpu \\\"exact\\\"\"} 1\n"));
}

}  // namespace
}  // namespace feedrank::api::metrics
