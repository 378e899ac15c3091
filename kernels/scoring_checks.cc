// The FeatureScorer argument checks (see scoring_checks.h).
#include "kernels/scoring_checks.h"

#include <cmath>
#include <string>

namespace feedrank::kernels {

absl::Status check_scoring(const ScoringBatch& batch, std::span<const float> scores) {
  if (batch.columns < 1 || batch.columns > kMaxScoringColumns) {
    return absl::InvalidArgumentError("columns: " + std::to_string(batch.columns) +
                                      " is outside 1.." + std::to_string(kMaxScoringColumns));
  }
  const auto columns = static_cast<std::size_t>(batch.columns);
  if (batch.weights.size() != columns) {
    return absl::InvalidArgumentError("weights: " + std::to_string(batch.weights.size()) +
                                      " values for " + std::to_string(columns) + " columns");
  }
  for (std::size_t j = 0; j < columns; ++j) {
    if (!std::isfinite(batch.weights[j])) {
      return absl::InvalidArgumentError("weights[" + std::to_string(j) + "]: not a finite number");
    }
  }
  if (batch.features.size() % columns != 0) {
    return absl::InvalidArgumentError("features: " + std::to_string(batch.features.size()) +
                                      " values is not a multiple of " + std::to_string(columns) +
                                      " columns");
  }
  const std::size_t rows = batch.features.size() / columns;
  if (scores.size() != rows) {
    return absl::InvalidArgumentError("scores: " + std::to_string(scores.size()) + " values for " +
                                      std::to_string(rows) + " rows");
  }
  return absl::OkStatus();
}

}  // namespace feedrank::kernels
