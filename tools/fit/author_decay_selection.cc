#include "tools/fit/author_decay_selection.h"

#include <algorithm>
#include <string>

#include "ranker/pipeline/diversity_selector.h"
#include "ranker/pipeline/features.h"
#include "ranker/scoring/candidate_scorer.h"
#include "tools/fit/grid_choice.h"
#include "tools/replay/list_metrics.h"

namespace feedrank::fit {
namespace {

// One viewer's candidates scored as the server scores them, and the ones it engaged with.
struct ScoredViewer {
  std::vector<float> scores;
  replay::PostSet positives;
};

absl::StatusOr<ScoredViewer> score_viewer(const ranker::CandidateScorer& scorer,
                                          const ExampleMatrix& examples,
                                          const ViewerCandidates& viewer,
                                          const ranker::RankingConfig& config) {
  const std::size_t count = viewer.candidates.size();
  std::vector<float> features;
  features.reserve(count * ranker::kFeatureCount);
  ScoredViewer scored;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t row = viewer.first_row + i;
    const auto values = examples.row(row);
    features.insert(features.end(), values.begin(), values.begin() + ranker::kFeatureCount);
    if (examples.labels()[row]) scored.positives.insert(viewer.candidates[i].post);
  }
  scored.scores.resize(count);
  std::vector<std::string> degraded;  // the CPU scorer alone: nothing to fall back from
  if (absl::Status status =
          scorer.score(config, viewer.candidates, features, scored.scores, degraded);
      !status.ok()) {
    return status;
  }
  return scored;
}

// Each of `orderings` (configs that differ from `scoring` in their diversity settings at most)
// judged on the viewers' candidates as `scoring` scores them.
absl::StatusOr<DecayTrials> judge_orderings(const ExampleMatrix& examples,
                                            std::span<const ViewerCandidates> viewers,
                                            const ranker::RankingConfig& scoring,
                                            std::span<const ranker::RankingConfig> orderings) {
  DecayTrials result;
  for (const ranker::RankingConfig& config : orderings) {
    result.trials.push_back({config.author_decay, config.author_floor, 0.0});
  }
  const ranker::CandidateScorer scorer;
  std::vector<PostId> list;
  for (const ViewerCandidates& viewer : viewers) {
    auto scored = score_viewer(scorer, examples, viewer, scoring);
    if (!scored.ok()) return scored.status();
    if (scored->positives.empty()) continue;
    ++result.viewers_judged;
    for (std::size_t d = 0; d < orderings.size(); ++d) {
      const auto selections = ranker::select_diverse(
          viewer.candidates, scored->scores, orderings[d], kDecayNdcgDepth, /*vector_of=*/{});
      list.clear();
      for (const auto& selection : selections) {
        list.push_back(viewer.candidates[selection.index].post);
      }
      result.trials[d].mean_ndcg += replay::ndcg_at(list, scored->positives, kDecayNdcgDepth);
    }
  }
  if (result.viewers_judged > 0) {
    for (DecayTrial& trial : result.trials) {
      trial.mean_ndcg /= static_cast<double>(result.viewers_judged);
    }
  }
  return result;
}

}  // namespace

ranker::RankingConfig with_author_decay(ranker::RankingConfig config, float decay) {
  config.author_decay = decay;
  config.author_floor = std::min(config.author_floor, decay);
  return config;
}

absl::StatusOr<DecayTrials> try_author_decays(const ExampleMatrix& examples,
                                              std::span<const ViewerCandidates> viewers,
                                              const ranker::RankingConfig& config,
                                              std::span<const float> decays) {
  std::vector<ranker::RankingConfig> configs;
  for (float decay : decays) configs.push_back(with_author_decay(config, decay));
  return judge_orderings(examples, viewers, config, configs);
}

absl::StatusOr<DecayTrials> judge_config(const ExampleMatrix& examples,
                                         std::span<const ViewerCandidates> viewers,
                                         const ranker::RankingConfig& config) {
  return judge_orderings(examples, viewers, config, std::span(&config, 1));
}

std::size_t choose_author_decay(std::span<const DecayTrial> trials) {
  std::vector<double> costs;
  for (const DecayTrial& trial : trials) costs.push_back(-trial.mean_ndcg);
  return lowest_cost(
      costs, [&](std::size_t a, std::size_t b) { return trials[a].decay > trials[b].decay; });
}

}  // namespace feedrank::fit
