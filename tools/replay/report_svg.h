// The replay's chart: a self-contained SVG bar chart (hand-written SVG text, no fonts or scripts
// to fetch) of NDCG@10 and recall@k for each kind of list; an unavailable list shows "n/a".
#pragma once

#include <string>

#include "tools/replay/replay_report.h"

namespace feedrank::replay {

std::string to_svg(const ReplayReport& report);

}  // namespace feedrank::replay
