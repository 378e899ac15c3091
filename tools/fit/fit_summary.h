// The fit's report for people: window, counts, the half-life and author-decay grids with their
// held-out figures and the choices, train and held-out scores, each weight next to the base
// config's.
#pragma once

#include <string>

#include "tools/fit/fit_runner.h"

namespace feedrank::fit {

// Lines ending in '\n'.
std::string fit_summary(const FitReport& report);

}  // namespace feedrank::fit
