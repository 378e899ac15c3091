// Timing a ranking's stages into RankingStats (ranker/feed_types.h): for operators (the
// /metrics counters), for explain (GetFeed with explain set) and for whoever tunes a stage.
#pragma once

#include <chrono>
#include <cstdint>

#include "ranker/feed_types.h"

namespace feedrank::ranker {

inline std::uint64_t nanoseconds_between(std::chrono::steady_clock::time_point start,
                                         std::chrono::steady_clock::time_point end) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
}

inline std::uint64_t nanoseconds_since(std::chrono::steady_clock::time_point start) {
  return nanoseconds_between(start, std::chrono::steady_clock::now());
}

// Adds the wall time from its construction to its destruction to `total_ns`.
class ScopedStageTimer {
 public:
  explicit ScopedStageTimer(std::uint64_t& total_ns)
      : total_ns_(total_ns), start_(std::chrono::steady_clock::now()) {}
  ~ScopedStageTimer() { total_ns_ += nanoseconds_since(start_); }
  ScopedStageTimer(const ScopedStageTimer&) = delete;
  ScopedStageTimer& operator=(const ScopedStageTimer&) = delete;

 private:
  std::uint64_t& total_ns_;
  std::chrono::steady_clock::time_point start_;
};

inline std::uint64_t& stage_ns(RankingStats& stats, RankingStage stage) {
  return stats.stage_ns[static_cast<int>(stage)];
}

// Adds `other`'s stage and source times to `into`'s (the two lists of an interleaved feed).
void add_times(RankingStats& into, const RankingStats& other);

}  // namespace feedrank::ranker
