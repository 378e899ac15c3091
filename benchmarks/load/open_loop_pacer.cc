#include "benchmarks/load/open_loop_pacer.h"

#include <algorithm>
#include <stdexcept>

namespace feedrank::load {

void PacerCounts::add(const PacerCounts& other) {
  due += other.due;
  sent += other.sent;
  late += other.late;
  dropped += other.dropped;
  send_delay.merge(other.send_delay);
}

OpenLoopPacer::OpenLoopPacer(const PacerOptions& options, Clock::time_point start)
    : options_(options),
      start_(start + options.phase),
      next_(start_),
      random_(options.seed),
      gap_s_(options.rate_per_s) {
  if (!(options.rate_per_s > 0 && options.rate_per_s <= kMaxRatePerS)) {
    throw std::invalid_argument("open-loop rate must be in (0, 1e7] calls/s");
  }
  // A Poisson stream's first arrival is a gap after the start too.
  if (options_.poisson) advance();
}

void OpenLoopPacer::advance() {
  ++index_;
  if (options_.poisson) {
    next_ +=
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(gap_s_(random_)));
  } else {
    // From the start each time, not by adding rounded gaps, so that no drift accumulates.
    next_ = start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                         static_cast<double>(index_) / options_.rate_per_s));
  }
}

void OpenLoopPacer::count_sent(Clock::time_point intended, Clock::time_point sent) {
  const Clock::duration delay = std::max(Clock::duration(0), sent - intended);
  ++counts_.sent;
  if (delay > options_.late_after) ++counts_.late;
  counts_.send_delay.record(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(delay).count()));
}

std::uint64_t latency_ns(const CallTiming& timing, Clock::time_point done) {
  const Clock::time_point from =
      timing.intended == Clock::time_point{} ? timing.sent : timing.intended;
  return static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::nanoseconds>(done - from).count()));
}

}  // namespace feedrank::load
