// The author-diversity decay chosen on held-out viewers: each viewer's candidates are scored as
// the server scores them (ranker::CandidateScorer with the fitted config: weights x features +
// ln(source scale)), ordered by ranker::select_diverse for each decay of a grid, and the first 10
// judged by NDCG@10 against the viewer's labels (its candidates engaged with in the label
// window); the highest mean over the viewers wins. The MMR term is left out: the examples carry
// no post vectors (it is off unless the base config sets mmr_penalty).
#pragma once

#include <array>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "ranker/pipeline/candidate.h"
#include "ranker/scoring/ranking_config.h"
#include "tools/fit/example_matrix.h"

namespace feedrank::fit {

// 1: no discount.
inline constexpr std::array<float, 6> kAuthorDecayGrid = {1.0f, 0.9f, 0.8f, 0.7f, 0.6f, 0.5f};
inline constexpr int kDecayNdcgDepth = 10;

// One viewer's candidates: rows [first_row, first_row + candidates.size()) of an ExampleMatrix
// with the model's columns (model_columns.h), labels included.
struct ViewerCandidates {
  ranker::Candidates candidates;
  std::size_t first_row = 0;
};

struct DecayTrial {
  float decay = 1;
  float floor = 1;
  double mean_ndcg = 0;  // over the judged viewers
};

struct DecayTrials {
  std::vector<DecayTrial> trials;
  // Viewers with at least one positive candidate; the others score 0 whatever the decay.
  std::size_t viewers_judged = 0;
};

// `config` with author_decay = `decay` and the floor kept but never above the decay (a decay of
// 1 turns the discount off).
ranker::RankingConfig with_author_decay(ranker::RankingConfig config, float decay);

// Errors: the scorer's.
absl::StatusOr<DecayTrials> try_author_decays(const ExampleMatrix& examples,
                                              std::span<const ViewerCandidates> viewers,
                                              const ranker::RankingConfig& config,
                                              std::span<const float> decays);

// `config` judged as it stands, its own decay and floor included (with_author_decay is not
// applied): one trial. For a config beside the trials, such as the base. Errors: the scorer's.
absl::StatusOr<DecayTrials> judge_config(const ExampleMatrix& examples,
                                         std::span<const ViewerCandidates> viewers,
                                         const ranker::RankingConfig& config);

// The trial with the highest mean NDCG; ties go to the larger decay (the smaller discount).
std::size_t choose_author_decay(std::span<const DecayTrial> trials);

}  // namespace feedrank::fit
