// fit-ranker from start to end: load the records, drop what happened at or after the label end,
// cut, write the history into an in-process engine with the base config, gather each sampled
// viewer's ranking candidates at the cut as labelled examples, fit the train viewers' examples,
// score both splits and map the weights to a RankingConfig.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ranker/scoring/ranking_config.h"
#include "tools/fit/fit_options.h"
#include "tools/fit/logistic_regression.h"
#include "tools/replay/corpus_cut.h"
#include "tools/replay/replay_runner.h"

namespace feedrank::fit {

struct SplitScores {
  std::size_t viewers = 0;
  std::size_t examples = 0;
  std::size_t positives = 0;
  std::optional<double> auc;       // of the fitted weights; nullopt without both labels
  double log_loss = 0;             // of the fitted weights, nats per example
  std::optional<double> base_auc;  // of the base config's scores, for comparison
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
  SplitScores held_out;
  LogisticFit fit;  // weights by model column (model_columns.h)
  ranker::RankingConfig config;
  double seconds = 0;
};

// Errors: unreadable input, no window to be had, a history the engine rejects, a viewer whose
// candidates cannot be gathered, or train examples the regression cannot fit (one label only).
absl::StatusOr<FitReport> run_fit(const FitOptions& options,
                                  const replay::ProgressLog& progress = {});

}  // namespace feedrank::fit
