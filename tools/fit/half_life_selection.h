// The recency half-life chosen on held-out viewers: for each half-life of a grid from an hour to a
// year, the recency column is recomputed (recency_column.h), the train viewers' examples fitted
// and the held-out viewers' log loss measured; the lowest wins. The grid spans the time scales of
// data sets whose engagements come within hours or days and of those whose timestamps are months
// apart (where a day's half-life leaves recency 0 for every candidate).
#pragma once

#include <array>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/fit/example_matrix.h"
#include "tools/fit/logistic_regression.h"

namespace feedrank::fit {

inline constexpr std::array<double, 10> kHalfLifeGridHours = {1,  3,   6,   12,   24,
                                                              72, 168, 720, 2160, 8760};

struct HalfLifeTrial {
  double hours = 0;
  LogisticFit fit;  // on the train viewers' examples
  double held_out_log_loss = 0;
  std::optional<double> held_out_auc;  // for people: the choice is by log loss
};

// kHalfLifeGridHours, with `base_hours` (the base config's) added in order when it is not on it,
// so that keeping the base's half-life is always one of the choices.
std::vector<double> half_life_grid(double base_hours);

// Fits the train examples once per half-life of `grid` and scores the held-out ones. Both
// matrices' recency columns are left at the grid's last half-life. Errors: the regression's
// (train examples with one label only), prefixed by the half-life.
absl::StatusOr<std::vector<HalfLifeTrial>> try_half_lives(ExampleMatrix& train,
                                                          ExampleMatrix& held_out,
                                                          std::span<const double> grid,
                                                          const LogisticOptions& options);

// The trial with the lowest held-out log loss; ties go to `base_hours`, then to the shorter
// half-life.
std::size_t choose_half_life(std::span<const HalfLifeTrial> trials, double base_hours);

}  // namespace feedrank::fit
