#include "ranker/scoring/candidate_scorer.h"

#include <cmath>

#include "fmt/format.h"

namespace feedrank::ranker {

CandidateScorer::CandidateScorer(std::unique_ptr<kernels::FeatureScorer> primary)
    : cpu_(kernels::make_cpu_feature_scorer()), primary_owned_(std::move(primary)) {
  primary_ = primary_owned_ ? primary_owned_.get() : cpu_.get();
}

float source_term(const RankingConfig& config, CandidateSource source) {
  return std::log(config.source_scales[static_cast<int>(source)]);
}

absl::Status CandidateScorer::score(const RankingConfig& config, const Candidates& candidates,
                                    std::span<const float> features, std::span<float> scores,
                                    std::vector<std::string>& degraded) const {
  const kernels::ScoringBatch batch{features, kFeatureCount, config.weights};
  absl::Status status = primary_->score(batch, scores);
  if (!status.ok() && primary_ != cpu_.get() && absl::IsInternal(status)) {
    degraded.push_back(fmt::format("scoring: {} failed, scored on the CPU: {}",
                                   primary_->describe(), std::string(status.message())));
    status = cpu_->score(batch, scores);
  }
  if (!status.ok()) return status;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    scores[i] += source_term(config, candidates[i].source);
  }
  return absl::OkStatus();
}

}  // namespace feedrank::ranker
