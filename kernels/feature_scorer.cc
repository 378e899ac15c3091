// FeatureScorer's one entry: the argument checks every backend shares, then the backend.
#include "kernels/feature_scorer.h"

#include "kernels/scoring_checks.h"

namespace feedrank::kernels {

absl::Status FeatureScorer::score(const ScoringBatch& batch, std::span<float> scores) const {
  if (absl::Status status = check_scoring(batch, scores); !status.ok()) return status;
  const std::size_t rows = scoring_rows(batch);
  if (rows == 0) return absl::OkStatus();
  return score_checked(batch, rows, scores);
}

}  // namespace feedrank::kernels
