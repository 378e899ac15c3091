// The scoring stage: one batched product of the candidates' feature matrix with the config's
// weights on the server's backend (kernels::FeatureScorer, CPU or GPU), plus each candidate's
// source term ln(source_scale). If the GPU fails mid-request, the CPU twin answers and the
// response says so.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kernels/feature_scorer.h"
#include "ranker/pipeline/candidate.h"
#include "ranker/scoring/ranking_config.h"

namespace feedrank::ranker {

class CandidateScorer {
 public:
  // `primary` null: the CPU scorer alone.
  explicit CandidateScorer(std::unique_ptr<kernels::FeatureScorer> primary = nullptr);

  std::string describe() const { return primary_->describe(); }

  // `features`: candidates.size() x kFeatureCount; writes one score per candidate. Appends a line
  // to `degraded` when the primary failed and the CPU answered instead.
  absl::Status score(const RankingConfig& config, const Candidates& candidates,
                     std::span<const float> features, std::span<float> scores,
                     std::vector<std::string>& degraded) const;

 private:
  std::unique_ptr<kernels::FeatureScorer> cpu_;
  std::unique_ptr<kernels::FeatureScorer> primary_owned_;
  const kernels::FeatureScorer* primary_;
};

// ln(scale) of the candidate's source: its term in the score.
float source_term(const RankingConfig& config, CandidateSource source);

}  // namespace feedrank::ranker
