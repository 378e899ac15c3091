#include "benchmarks/load/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace feedrank::load {
namespace {

// The nearest-rank percentile of sorted samples: the ceil(p/100 * n)-th smallest. 99.9 is not
// exact in binary (99.9/100 * 200,000 = 199,800.00000000003), so a product within 1e-6 of an
// integer is that integer.
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double p) {
  const auto rank = std::max<std::size_t>(
      1,
      static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size()) - 1e-6)));
  return sorted[rank - 1];
}

void expect_percentiles_match(const LatencyHistogram& histogram,
                              std::vector<std::uint64_t> samples) {
  std::sort(samples.begin(), samples.end());
  for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    const std::uint64_t exact = exact_percentile(samples, p);
    const std::uint64_t got = histogram.percentile_ns(p);
    // Never below the exact value, above it by at most one bucket (1/1024 of it).
    EXPECT_GE(got, exact) << "p" << p;
    EXPECT_LE(got, exact + exact / 1024) << "p" << p;
  }
  EXPECT_EQ(histogram.count(), samples.size());
  EXPECT_EQ(histogram.min_ns(), samples.front());
  EXPECT_EQ(histogram.max_ns(), samples.back());
}

TEST(LatencyHistogram, PercentilesMatchSortedSamplesWithinOneBucket) {
  // Log-normal latencies around 1 ms with a heavy tail, as a server's look.
  std::mt19937_64 random(42);
  std::lognormal_distribution<double> latency(std::log(1e6), 1.2);
  LatencyHistogram histogram;
  std::vector<std::uint64_t> samples;
  for (int i = 0; i < 200'000; ++i) {
    const auto ns = static_cast<std::uint64_t>(latency(random));
    samples.push_back(ns);
    histogram.record(ns);
  }
  expect_percentiles_match(histogram, samples);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram histogram;
  std::vector<std::uint64_t> samples;
  for (std::uint64_t v = 0; v < 2048; v += 3) {
    samples.push_back(v);
    histogram.record(v);
  }
  std::sort(samples.begin(), samples.end());
  for (double p : {25.0, 50.0, 99.0}) {
    EXPECT_EQ(histogram.percentile_ns(p), exact_percentile(samples, p)) << "p" << p;
  }
}

TEST(LatencyHistogram, BucketsTileTheRangeWithBoundedWidth) {
  std::size_t previous_bucket = 0;
  for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{2047}, std::uint64_t{2048},
                          std::uint64_t{4095}, std::uint64_t{4096}, std::uint64_t{1'000'000},
                          std::uint64_t{123'456'789'012}, LatencyHistogram::kMaxTrackedNs}) {
    const std::size_t bucket = LatencyHistogram::bucket_of(v);
    EXPECT_LE(LatencyHistogram::lowest_in_bucket(bucket), v);
    EXPECT_GE(LatencyHistogram::highest_in_bucket(bucket), v);
    EXPECT_LE(
        LatencyHistogram::highest_in_bucket(bucket) - LatencyHistogram::lowest_in_bucket(bucket),
        v / 1024)
        << v;
    EXPECT_GE(bucket, previous_bucket);
    previous_bucket = bucket;
    // The next bucket starts right after this one ends.
    if (v < LatencyHistogram::kMaxTrackedNs) {
      EXPECT_EQ(LatencyHistogram::lowest_in_bucket(bucket + 1),
                LatencyHistogram::highest_in_bucket(bucket) + 1);
    }
  }
}

TEST(LatencyHistogram, MergedHistogramsEqualOneFedEverything) {
  std::mt19937_64 random(7);
  std::exponential_distribution<double> latency(1.0 / 3e6);
  LatencyHistogram first, second, both;
  std::vector<std::uint64_t> samples;
  for (int i = 0; i < 50'000; ++i) {
    const auto ns = static_cast<std::uint64_t>(latency(random));
    (i % 3 == 0 ? first : second).record(ns);
    both.record(ns);
    samples.push_back(ns);
  }
  first.merge(second);
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    EXPECT_EQ(first.percentile_ns(p), both.percentile_ns(p)) << "p" << p;
  }
  EXPECT_DOUBLE_EQ(first.mean_ns(), both.mean_ns());
  expect_percentiles_match(first, samples);
}

TEST(LatencyHistogram, ValuesPastTheRangeCountAsItsTop) {
  LatencyHistogram histogram;
  histogram.record(~std::uint64_t{0});
  EXPECT_EQ(histogram.count(), 1u);
  EXPECT_EQ(histogram.max_ns(), LatencyHistogram::kMaxTrackedNs);
  EXPECT_EQ(histogram.percentile_ns(50), LatencyHistogram::kMaxTrackedNs);
}

TEST(LatencyHistogram, EmptyAnswersZero) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.percentile_ns(99), 0u);
  EXPECT_EQ(histogram.mean_ns(), 0.0);
}

}  // namespace
}  // namespace feedrank::load
