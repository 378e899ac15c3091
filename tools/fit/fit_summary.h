// The fit's report for people: window, counts, the half-life and author-decay grids with their
// validation figures and the choices, train, validation and test scores (the test viewers' are
// the ones no choice saw), each weight next to the base config's, marked where the data could not
// estimate it.
#pragma once

#include <string>

#include "tools/fit/fit_runner.h"

namespace feedrank::fit {

// Lines ending in '\n'.
std::string fit_summary(const FitReport& report);

}  // namespace feedrank::fit
