// fit-ranker from start to end: load the records, drop what happened at or after the label end,
// cut, write the history into an in-process engine with the base config, gather each sampled
// viewer's ranking candidates at the cut as labelled examples, split the viewers into train,
// validation and test (viewer_split.h), then
// 1. choose the recency half-life: fit the train viewers' examples once per half-life of a grid,
//    keep the one with the lowest validation log loss (half_life_selection.h);
// 2. choose the author-diversity decay: order the validation viewers' candidates as the server
//    would with that train-only model, keep the decay with the highest NDCG@10
//    (author_decay_selection.h);
// 3. judge on the test viewers, whom neither choice saw, the train-only model with both choices
//    (AUC, log loss, NDCG@10) and the base config as it stands: the held-out figures reported;
// 4. refit the weights on every viewer with the chosen half-life and write them with both choices.
// The held-out viewers are in the fit window, before the replay's default cut: the choices are
// made on data a replay there does not judge by.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ranker/scoring/ranking_config.h"
#include "store/records.h"
#include "tools/fit/author_decay_selection.h"
#include "tools/fit/fit_options.h"
#include "tools/fit/half_life_selection.h"
#include "tools/fit/logistic_regression.h"
#include "tools/replay/corpus_cut.h"
#include "tools/replay/replay_runner.h"

namespace feedrank::fit {

struct SplitScores {
  std::vector<UserId> viewers;  // in sample order
  std::size_t examples = 0;
  std::size_t positives = 0;
  // Of the weights fitted on the train viewers with the chosen half-life; nullopt without both
  // labels.
  std::optional<double> auc;
  double log_loss = 0;  // of the same weights, nats per example; 0 without examples
  // Of the base config's scores (with its own half-life), for comparison.
  std::optional<double> base_auc;
};

// NDCG@10 of the test viewers' candidates ordered as the server orders them.
struct TestNdcg {
  std::size_t viewers_judged = 0;  // with at least one positive
  double fitted = 0;  // the train-only weights with the chosen half-life and author decay
  double base = 0;    // the base config as it stands: its weights, half-life, decay and floor
};

struct FitReport {
  std::string source;                 // what was read, for people
  ranker::RankingConfig base_config;  // the engine's, which the candidates were gathered with
  FitWindow window;
  std::size_t records_loaded = 0;
  std::size_t records_after_label_end = 0;  // dropped before the cut
  replay::CutCounts counts;
  std::size_t viewers_eligible = 0;  // with engagements in the label window, before sampling
  SplitScores train;
  SplitScores validation;  // the choices were made on it: its figures are the ones they favoured
  SplitScores test;        // judged only: the held-out figures to go by
  std::vector<HalfLifeTrial> half_lives;  // the grid, by half-life, judged on validation
  std::size_t half_life_choice = 0;       // into half_lives
  DecayTrials author_decays;              // the grid, with the chosen half-life, on validation
  // nullopt: no validation viewer with a positive, the base's kept.
  std::optional<std::size_t> author_decay_choice;
  TestNdcg test_ndcg;
  LogisticFit train_fit;  // the train viewers' weights with the chosen half-life (model columns)
  LogisticFit fit;        // the written weights: every viewer's, with the chosen half-life
  ranker::RankingConfig config;
  double seconds = 0;

  double half_life_hours() const { return half_lives[half_life_choice].hours; }
};

// Errors: unreadable input, no window to be had, a history the engine rejects, a viewer whose
// candidates cannot be gathered, or train examples the regression cannot fit (one label only).
absl::StatusOr<FitReport> run_fit(const FitOptions& options,
                                  const replay::ProgressLog& progress = {});

}  // namespace feedrank::fit
