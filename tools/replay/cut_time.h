// Where the replay splits history: a time given outright, or a quantile of the engagement times
// (so that, say, 80% of the engagements are history and the rest are what the lists are judged
// by).
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "feedrank/v1/feedrank.pb.h"
#include "store/records.h"

namespace feedrank::replay {

// The engagement time at rank floor(quantile * (n - 1)) of the sorted times, 0 <= quantile <= 1.
// Engagements at that time fall after the cut (history is strictly earlier). INVALID_ARGUMENT
// when there are no engagements or the quantile is out of range.
absl::StatusOr<TimestampMs> engagement_time_quantile(const std::vector<v1::IngestRecord>& records,
                                                     double quantile);

}  // namespace feedrank::replay
