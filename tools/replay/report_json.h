// The replay's report for programs: one JSON object with the header facts and a "rows" array
// (an unavailable row has "unavailable" and no metrics; a row compared with the reference row has
// "ndcg_at_10_vs_reference": difference, ci95_low, ci95_high). "positive_kinds" empty: every kind.
#pragma once

#include <string>

#include "tools/replay/replay_report.h"

namespace feedrank::replay {

std::string to_json(const ReplayReport& report);

}  // namespace feedrank::replay
