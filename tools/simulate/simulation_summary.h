// What a simulation found, for people and for scripts: per experiment and arm, viewers,
// impressions and the engagement rate with its 95% confidence interval; every comparison with its
// p-value and whether it is significant (after Holm's correction, as the server decides); for
// interleaved arms each team's wins and engagements, the ties and the sign test's p-value.
#pragma once

#include <string>

#include "feedrank/v1/feedrank.pb.h"
#include "tools/simulate/simulation.h"

namespace feedrank::simulate {

std::string summary_text(const SimulationResult& result);
// One JSON object: the world, the history's counts, each round's counts and the summary above.
std::string summary_json(const SimulationResult& result);

}  // namespace feedrank::simulate
