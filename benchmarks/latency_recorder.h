// Per-call latencies for tail percentiles: Google Benchmark reports means, while a feed's
// service-level objective is on its p99.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace feedrank::bench {

class LatencyRecorder {
 public:
  explicit LatencyRecorder(std::size_t expected_calls) { micros_.reserve(expected_calls); }

  // Runs `call` once, records how long it took and returns its result.
  template <class Call>
  auto time(Call&& call) {
    const auto start = std::chrono::steady_clock::now();
    auto result = call();
    micros_.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
    return result;
  }

  // One call's latency measured elsewhere (several callers feeding one recorder).
  void record(double micros) { micros_.push_back(micros); }
  std::size_t calls() const { return micros_.size(); }

  // Adds p50_us, p99_us, p999_us and max_us (nearest-rank percentiles), each name after
  // `prefix`, to the benchmark's counters. They are plain values: Google Benchmark would divide
  // rates by the time.
  void publish(benchmark::State& state, const std::string& prefix = "") {
    if (micros_.empty()) return;
    std::sort(micros_.begin(), micros_.end());
    state.counters[prefix + "p50_us"] = percentile(0.50);
    state.counters[prefix + "p99_us"] = percentile(0.99);
    state.counters[prefix + "p999_us"] = percentile(0.999);
    state.counters[prefix + "max_us"] = micros_.back();
  }

 private:
  double percentile(double q) const {
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(micros_.size())));
    return micros_[std::clamp<std::size_t>(rank, 1, micros_.size()) - 1];
  }

  std::vector<double> micros_;
};

}  // namespace feedrank::bench
