// The fit's window in time: candidates are built at the cut from the history before it and
// labelled by the engagements in [cut, label end). Whatever happened at or after the label end is
// dropped first, so that a replay cut there judges the fitted config on data the fit never saw.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "feedrank/v1/feedrank.pb.h"
#include "store/records.h"

namespace feedrank::fit {

// Each end is a time given outright or a quantile of the engagement times. The default label end
// is the replay's default cut (quantile 0.8).
struct WindowChoice {
  std::optional<TimestampMs> cut_ms;
  std::optional<TimestampMs> label_end_ms;
  double cut_quantile = 0.7;
  double label_end_quantile = 0.8;
  // When set, the cut is instead this quantile of the engagement times before the label end
  // (for a label end given as a time, whose quantile is not known ahead).
  std::optional<double> cut_quantile_before_label_end;
};

struct FitWindow {
  TimestampMs cut = 0;
  TimestampMs label_end = 0;
  std::string rule;  // how they were chosen, for people
};

// INVALID_ARGUMENT when a quantile cannot be taken or the label end is not after the cut.
absl::StatusOr<FitWindow> choose_fit_window(const std::vector<v1::IngestRecord>& records,
                                            const WindowChoice& choice);

// The records in order, without the posts created and engagements made at or after `label_end`.
std::vector<v1::IngestRecord> records_before(const std::vector<v1::IngestRecord>& records,
                                             TimestampMs label_end);

}  // namespace feedrank::fit
