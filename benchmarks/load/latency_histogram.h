// Latencies in nanoseconds in log-linear buckets, as HdrHistogram keeps them: each power of two
// is split into the same number of linear sub-buckets, so every recorded value is known to a
// fixed relative precision (1/1024 here, about three significant digits) over the whole range,
// in constant memory, and histograms of several threads or steps merge by adding counts.
// Debian ships no HdrHistogram for C++; this is the part of it a load generator needs.
#pragma once

#include <cstdint>
#include <vector>

namespace feedrank::load {

class LatencyHistogram {
 public:
  // Values above this (about 18 minutes) are counted as this.
  static constexpr std::uint64_t kMaxTrackedNs = (std::uint64_t{1} << 40) - 1;

  LatencyHistogram();

  void record(std::uint64_t ns);
  // Adds every count of `other` (another thread's or step's histogram).
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min_ns() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max_ns() const { return max_; }  // exact, not bucketed
  double mean_ns() const;
  // The nearest-rank percentile (the smallest recorded value v with at least p% of the values
  // <= v), as the largest value of v's bucket: never below the exact answer, above it by at
  // most 1/1024 of it. 0 when empty; p in [0, 100].
  std::uint64_t percentile_ns(double p) const;

  // Bucket arithmetic, public for tests: the bucket a value falls in and the range it stands for.
  static std::size_t bucket_of(std::uint64_t ns);
  static std::uint64_t lowest_in_bucket(std::size_t bucket);
  static std::uint64_t highest_in_bucket(std::size_t bucket);

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
  long double sum_ = 0;  // for the mean; exact enough for the ~1e9 values of a long run
};

}  // namespace feedrank::load
