// The fit's report for people: window, counts, train and held-out scores, each weight next to the
// base config's.
#pragma once

#include <string>

#include "tools/fit/fit_runner.h"

namespace feedrank::fit {

// Lines ending in '\n'.
std::string fit_summary(const FitReport& report);

}  // namespace feedrank::fit
