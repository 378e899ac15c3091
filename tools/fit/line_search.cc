#include "tools/fit/line_search.h"

#include <cmath>

namespace feedrank::fit {

std::optional<LineStep> backtracking_step(std::span<const double> start, double start_loss,
                                          std::span<const double> direction,
                                          const LossAt& loss_at) {
  const double highest = start_loss + kLossRoundingSlack * std::abs(start_loss);
  LineStep trial;
  trial.point.resize(start.size());
  double step = 1.0;
  for (int halvings = 0; halvings <= kMaxStepHalvings; ++halvings, step /= 2) {
    for (std::size_t m = 0; m < start.size(); ++m) trial.point[m] = start[m] - step * direction[m];
    trial.loss = loss_at(trial.point);
    if (trial.loss <= highest) return trial;  // false for NaN
  }
  return std::nullopt;
}

}  // namespace feedrank::fit
