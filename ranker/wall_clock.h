// The server's clock, for everything dated "now": feed pages without as_of, impressions,
// the bound on engagements dated ahead of it.
#pragma once

#include <chrono>

#include "store/records.h"

namespace feedrank::ranker {

// Milliseconds since the Unix epoch on the system clock.
inline TimestampMs wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace feedrank::ranker
