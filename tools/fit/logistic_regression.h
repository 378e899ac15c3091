// L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least
// squares) on standardised columns, which keeps the Newton system well conditioned whatever the
// columns' scales. The result is deterministic: the same examples give the same weights, bit for
// bit, on one build.
//
// The penalty is on the weights in the columns' own units, not the standardised ones: the
// ranker's features are built to be O(1) (log1p counts, 0/1 flags, decays, cosines), and a column
// that barely varies in the training data (Last.fm's 24-hour recency is below 5e-10 for every
// candidate) must not buy a weight of 1e8 that any fresher post at serving time turns into a
// score of minus millions. Ordinary columns are shrunk little: l2 = 1 is small next to the evidence
// of thousands of examples.
#pragma once

#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/fit/example_matrix.h"

namespace feedrank::fit {

struct LogisticOptions {
  int intercept_column = 0;  // must hold 1 in every row; its weight is not penalised
  double l2 = 1.0;           // penalty l2/2 * |w|^2 on every weight but the intercept
  int max_iterations = 50;
  // Stops once no standardised weight moves by more than this, relative to the largest one.
  double tolerance = 1e-8;
};

struct LogisticFit {
  std::vector<double> weights;  // one per column, in the columns' own units
  // One per column: false for a column constant in the data, which carries nothing the intercept
  // does not; its weight is 0 and says nothing about the column (fitted_config.h keeps the base's).
  std::vector<bool> estimated;
  int iterations = 0;
  bool converged = false;  // false: stopped at max_iterations, or stalled
  bool stalled = false;    // stopped early: no step along Newton's direction lowered the loss
  // The penalised negative log-likelihood (summed over the rows) at the start and after each step
  // taken: never higher than the one before, up to line_search.h's rounding slack.
  std::vector<double> losses;
};

// INVALID_ARGUMENT when there are no rows, only one label, a non-finite value, or an intercept
// column that is not all ones. Columns that are constant get weight 0 and are marked not
// estimated.
absl::StatusOr<LogisticFit> fit_logistic_regression(const ExampleMatrix& examples,
                                                    const LogisticOptions& options = {});

// The model's log-odds for each row.
std::vector<double> predict_logits(const ExampleMatrix& examples, std::span<const double> weights);

}  // namespace feedrank::fit
