// The argument checks both FeatureScorer twins share, so that the CPU and the GPU reject the same
// bad input with the same messages (and the GPU twin before it touches the device).
#pragma once

#include <cstddef>
#include <span>

#include "absl/status/status.h"
#include "kernels/feature_scorer.h"

namespace feedrank::kernels {

// INVALID_ARGUMENT whose message starts with the field at fault ("columns", "weights",
// "weights[j]", "features", "scores"), checked in that order; OK otherwise. Zero rows is OK.
absl::Status check_scoring(const ScoringBatch& batch, std::span<const float> scores);

// Rows of a batch that passed check_scoring.
inline std::size_t scoring_rows(const ScoringBatch& batch) {
  return batch.features.size() / static_cast<std::size_t>(batch.columns);
}

}  // namespace feedrank::kernels
