#include "tools/fit/half_life_selection.h"

#include <algorithm>

#include "fmt/format.h"
#include "tools/fit/grid_choice.h"
#include "tools/fit/ranking_metrics.h"
#include "tools/fit/recency_column.h"

namespace feedrank::fit {

std::vector<double> half_life_grid(double base_hours) {
  std::vector<double> grid(kHalfLifeGridHours.begin(), kHalfLifeGridHours.end());
  if (std::find(grid.begin(), grid.end(), base_hours) == grid.end()) {
    grid.insert(std::upper_bound(grid.begin(), grid.end(), base_hours), base_hours);
  }
  return grid;
}

absl::StatusOr<std::vector<HalfLifeTrial>> try_half_lives(ExampleMatrix& train,
                                                          ExampleMatrix& held_out,
                                                          std::span<const double> grid,
                                                          const LogisticOptions& options) {
  std::vector<HalfLifeTrial> trials;
  for (double hours : grid) {
    set_recency_half_life(train, hours);
    set_recency_half_life(held_out, hours);
    auto fit = fit_logistic_regression(train, options);
    if (!fit.ok()) {
      return absl::Status(fit.status().code(), fmt::format("recency half-life {} h: {}", hours,
                                                           std::string(fit.status().message())));
    }
    HalfLifeTrial& trial = trials.emplace_back();
    trial.hours = hours;
    trial.fit = std::move(*fit);
    const std::vector<double> logits = predict_logits(held_out, trial.fit.weights);
    trial.held_out_log_loss = log_loss(logits, held_out.labels());
    trial.held_out_auc = roc_auc(logits, held_out.labels());
  }
  return trials;
}

std::size_t choose_half_life(std::span<const HalfLifeTrial> trials, double base_hours) {
  std::vector<double> losses;
  for (const HalfLifeTrial& trial : trials) losses.push_back(trial.held_out_log_loss);
  return lowest_cost(losses, [&](std::size_t a, std::size_t b) {
    const bool a_base = trials[a].hours == base_hours, b_base = trials[b].hours == base_hours;
    if (a_base != b_base) return a_base;
    return trials[a].hours < trials[b].hours;
  });
}

}  // namespace feedrank::fit
