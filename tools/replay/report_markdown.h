// The replay's report for people: header lines (data, cut, counts, viewers, settings, wall time)
// and a Markdown table with one row per kind of list.
#pragma once

#include <string>

#include "tools/replay/replay_report.h"

namespace feedrank::replay {

std::string to_markdown(const ReplayReport& report);

}  // namespace feedrank::replay
