// When an open-loop stream sends: call i is due at its intended time (start + i/rate, or the
// arrivals of a Poisson process of that rate), whatever became of the calls before it. A sender
// that falls behind sends the overdue calls at once and they count as late; their latency still
// runs from the intended time, so a stalled server or client shows in the percentiles instead
// of hiding (the "coordinated omission" of closed-loop tools). Past `max_outstanding` calls in
// flight a due call is dropped and counted: the stream's queue stays bounded.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <utility>

#include "benchmarks/load/latency_histogram.h"

namespace feedrank::load {

using Clock = std::chrono::steady_clock;

// The highest rate a stream may have: its gaps (100 ns) stay well above the clock's nanosecond,
// which a gap rounded to 0 would never leave.
inline constexpr double kMaxRatePerS = 1e7;

struct PacerOptions {
  double rate_per_s = 1000;  // (0, kMaxRatePerS]
  bool poisson = false;      // exponential gaps of mean 1/rate instead of fixed ones
  std::uint64_t seed = 1;
  // The first call's offset from the start: client threads sharing one rate R as R/n each start
  // 0, 1/R, 2/R, ... apart, so that together they send evenly.
  Clock::duration phase{0};
  Clock::duration late_after = std::chrono::milliseconds(2);
  std::size_t max_outstanding = 4096;
};

struct PacerCounts {
  std::uint64_t due = 0;  // calls whose intended time has come
  std::uint64_t sent = 0;
  std::uint64_t late = 0;     // sent more than late_after after their intended time
  std::uint64_t dropped = 0;  // not sent: max_outstanding calls were in flight
  // How long after its intended time each call was sent: the generator's own share of the
  // latencies, which run from the intended time.
  LatencyHistogram send_delay;
  void add(const PacerCounts& other);
};

class OpenLoopPacer {
 public:
  OpenLoopPacer(const PacerOptions& options, Clock::time_point start);

  // The intended time of the next call.
  Clock::time_point next_due() const { return next_; }

  // Handles every call due by `to`: while fewer than max_outstanding calls are in flight
  // (`outstanding` plus those sent by this call) `send(intended_time)` sends it and returns when
  // it went out, else `drop(intended_time)` learns of it and it counts as dropped. Send delays
  // and lateness run to each call's own send time, not to `to`: a batch's later calls wait for
  // its earlier ones, and a turn may run past `to` (the window's end, a lock).
  template <class Send, class Drop>
  void release_due(Clock::time_point to, std::size_t outstanding, Send&& send, Drop&& drop) {
    while (next_ <= to) {
      const Clock::time_point intended = next_;
      advance();
      ++counts_.due;
      if (outstanding >= options_.max_outstanding) {
        ++counts_.dropped;
        drop(intended);
        continue;
      }
      ++outstanding;
      count_sent(intended, send(intended));
    }
  }
  // The same where no one needs to know which calls were dropped.
  template <class Send>
  void release_due(Clock::time_point to, std::size_t outstanding, Send&& send) {
    release_due(to, outstanding, std::forward<Send>(send), [](Clock::time_point) {});
  }

  const PacerCounts& counts() const { return counts_; }
  void reset_counts() { counts_ = {}; }

 private:
  void advance();
  void count_sent(Clock::time_point intended, Clock::time_point sent);

  PacerOptions options_;
  Clock::time_point start_;
  Clock::time_point next_;
  std::uint64_t index_ = 0;  // calls scheduled so far (fixed gaps: next_ = start + index/rate)
  std::mt19937_64 random_;
  std::exponential_distribution<double> gap_s_;
  PacerCounts counts_;
};

// A call's latency: from its intended send time when it has one (open loop), from when it was
// sent otherwise (closed loop), to its completion.
struct CallTiming {
  Clock::time_point intended;
  Clock::time_point sent;
};
std::uint64_t latency_ns(const CallTiming& timing, Clock::time_point done);

}  // namespace feedrank::load
