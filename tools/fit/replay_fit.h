// The fit a replay runs on its own history (`feedrank replay --fit-ranker`): fit-ranker's
// procedure (fit_runner.h) on the replay's input, with its label end at the replay's cut and its
// cut at 7/8 of the replay's cut quantile (0.7 for the default 0.8: fit-ranker's own defaults; for
// a cut given as a time, the 7/8 quantile of the engagement times before it), so the fitted
// config learns nothing from what the replay judges by. Its labels are the engagements of the
// replay's positive kinds; its candidates come from `space`'s retrieval (learned and hybrid train
// their model at the fit's cut), where its row is ranked too.
#pragma once

#include "absl/status/statusor.h"
#include "tools/replay/replay_options.h"
#include "tools/replay/replay_runner.h"

namespace feedrank::fit {

inline constexpr char kFittedLabel[] = "fitted";
inline constexpr double kFitCutShareOfReplayCut = 7.0 / 8.0;

// The fit's cut quantile for a replay cut at `replay_cut_quantile`: 7/8 of it, rounded to 12
// decimals so that the replay's default 0.8 gives fit-ranker's default 0.7 exactly.
double fit_cut_quantile(double replay_cut_quantile);

// The fitted config as a compared config of `space` labelled kFittedLabel, its origin the fit's
// window, choices and held-out figures. Errors: run_fit's.
absl::StatusOr<replay::ComparedConfig> fit_on_replay_history(
    const replay::ReplayOptions& options, ranker::VectorSpace space,
    const replay::ProgressLog& progress = {});

}  // namespace feedrank::fit
