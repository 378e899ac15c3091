#include "tools/replay/cut_time.h"

#include <algorithm>
#include <cmath>

#include "fmt/format.h"

namespace feedrank::replay {

absl::StatusOr<TimestampMs> engagement_time_quantile(const std::vector<v1::IngestRecord>& records,
                                                     double quantile) {
  if (!(quantile >= 0 && quantile <= 1)) {
    return absl::InvalidArgumentError(fmt::format("cut quantile {} is not in [0, 1]", quantile));
  }
  std::vector<TimestampMs> times;
  for (const v1::IngestRecord& record : records) {
    if (record.has_engagement()) times.push_back(record.engagement().at_ms());
  }
  if (times.empty()) {
    return absl::InvalidArgumentError("no engagements to take a cut quantile of: give --cut-ms");
  }
  const auto rank = static_cast<std::size_t>(std::floor(quantile * (times.size() - 1)));
  std::nth_element(times.begin(), times.begin() + rank, times.end());
  return times[rank];
}

}  // namespace feedrank::replay
