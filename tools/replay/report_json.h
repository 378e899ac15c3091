// The replay's report for programs: one JSON object with the header facts and a "rows" array
// (an unavailable row has "unavailable" and no metrics).
#pragma once

#include <string>

#include "tools/replay/replay_report.h"

namespace feedrank::replay {

std::string to_json(const ReplayReport& report);

}  // namespace feedrank::replay
