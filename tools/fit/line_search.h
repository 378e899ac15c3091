// The step along a Newton direction: the full step first (near the optimum Newton converges
// quadratically with it), halved until the loss is no higher than at the start. A loss within a
// relative 1e-10 of the start's counts as no higher: near the optimum the loss, a sum over every
// row, changes by rounding only. When no step qualifies the start is kept: a step that raised the
// loss would undo the fit's progress, and one taken anyway can run the weights away.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <vector>

namespace feedrank::fit {

inline constexpr int kMaxStepHalvings = 30;
inline constexpr double kLossRoundingSlack = 1e-10;  // relative to the start's loss

struct LineStep {
  std::vector<double> point;  // start - step * direction
  double loss = 0;
};

using LossAt = std::function<double(std::span<const double> point)>;

// The first of start - direction, start - direction / 2, ... (kMaxStepHalvings halvings) whose
// loss is at most `start_loss` plus the slack; nullopt when none is (the direction does not
// descend, as far as the arithmetic can tell). With a finite `start_loss`, a non-finite loss
// never qualifies.
std::optional<LineStep> backtracking_step(std::span<const double> start, double start_loss,
                                          std::span<const double> direction, const LossAt& loss_at);

}  // namespace feedrank::fit
