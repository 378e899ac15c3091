#include "benchmarks/load/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace feedrank::load {
namespace {

// Values below 2^kSubBucketBits are their own bucket (exact); above, each power of two [2^m,
// 2^(m+1)) is cut into kHalf = 2^(kSubBucketBits-1) equal sub-buckets of width
// 2^(m+1-kSubBucketBits).
constexpr int kSubBucketBits = 11;
constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << kSubBucketBits;  // 2048
constexpr std::uint64_t kHalf = kSubBuckets / 2;                           // 1024
constexpr int kTrackedBits = 40;
// Exact region, then one half-row of kHalf per power of two from 2^kSubBucketBits to 2^40.
constexpr std::size_t kBucketCount = kSubBuckets + (kTrackedBits - kSubBucketBits) * kHalf;

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBucketCount, 0) {}

std::size_t LatencyHistogram::bucket_of(std::uint64_t ns) {
  ns = std::min(ns, kMaxTrackedNs);
  if (ns < kSubBuckets) return static_cast<std::size_t>(ns);
  const int magnitude = std::bit_width(ns) - 1;        // 2^magnitude <= ns
  const int shift = magnitude - (kSubBucketBits - 1);  // sub-bucket width is 2^shift
  const std::uint64_t sub = (ns >> shift) - kHalf;     // 0..kHalf-1 within the power of two
  return static_cast<std::size_t>(kSubBuckets + static_cast<std::uint64_t>(shift - 1) * kHalf +
                                  sub);
}

std::uint64_t LatencyHistogram::lowest_in_bucket(std::size_t bucket) {
  if (bucket < kSubBuckets) return bucket;
  const std::uint64_t row = (bucket - kSubBuckets) / kHalf;  // shift - 1
  const std::uint64_t sub = (bucket - kSubBuckets) % kHalf;
  const int shift = static_cast<int>(row) + 1;
  return (kHalf + sub) << shift;
}

std::uint64_t LatencyHistogram::highest_in_bucket(std::size_t bucket) {
  if (bucket < kSubBuckets) return bucket;
  const int shift = static_cast<int>((bucket - kSubBuckets) / kHalf) + 1;
  return lowest_in_bucket(bucket) + (std::uint64_t{1} << shift) - 1;
}

void LatencyHistogram::record(std::uint64_t ns) {
  ns = std::min(ns, kMaxTrackedNs);
  ++counts_[bucket_of(ns)];
  min_ = count_ == 0 ? ns : std::min(min_, ns);
  max_ = std::max(max_, ns);
  ++count_;
  sum_ += static_cast<long double>(ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

double LatencyHistogram::mean_ns() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

std::uint64_t LatencyHistogram::percentile_ns(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  // Nearest rank: the ceil(p/100 * n)-th smallest value, at least the first. 99.9 is not exact
  // in binary: a product within 1e-6 of an integer is taken as that integer.
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_) - 1e-6)));
  std::uint64_t seen = 0;
  for (std::size_t bucket = 0; bucket < counts_.size(); ++bucket) {
    seen += counts_[bucket];
    if (seen >= rank) return std::min(highest_in_bucket(bucket), max_);
  }
  return max_;
}

}  // namespace feedrank::load
