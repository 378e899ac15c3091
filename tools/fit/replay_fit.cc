#include "tools/fit/replay_fit.h"

#include <cmath>
#include <memory>

#include "fmt/format.h"
#include "tools/fit/fit_runner.h"

namespace feedrank::fit {

double fit_cut_quantile(double replay_cut_quantile) {
  // 0.8 * 7/8 is 0.7 + 1e-16 in doubles, a cut one engagement later than 0.7's for some counts.
  return std::round(replay_cut_quantile * kFitCutShareOfReplayCut * 1e12) / 1e12;
}

absl::StatusOr<replay::ComparedConfig> fit_on_replay_history(const replay::ReplayOptions& options,
                                                             ranker::VectorSpace space,
                                                             const replay::ProgressLog& progress) {
  FitOptions fit;
  fit.source = options.source;
  if (options.cut_ms) {
    fit.window.label_end_ms = *options.cut_ms;
    fit.window.cut_quantile_before_label_end = kFitCutShareOfReplayCut;
  } else {
    fit.window.label_end_quantile = options.cut_quantile;
    fit.window.cut_quantile = fit_cut_quantile(options.cut_quantile);
  }
  fit.seed = options.seed;
  fit.base_config = options.ranking_config;
  fit.vector_space = space;
  fit.positive_kinds = options.positive_kinds;
  auto report = run_fit(fit, progress);
  if (!report.ok()) return report.status();

  std::string test = "no test viewer with a positive";
  if (report->test_ndcg.viewers_judged > 0) {
    test = fmt::format("held-out test NDCG@10 {:.4f} against {:.4f} for the base ({} viewers)",
                       report->test_ndcg.fitted, report->test_ndcg.base,
                       report->test_ndcg.viewers_judged);
  }
  replay::ComparedConfig compared;
  compared.label = kFittedLabel;
  compared.space = space;
  compared.origin = fmt::format(
      "fitted on the replay's history ({}; {} examples; recency half-life {:g} h, author decay "
      "{:g}; {}) in {:.1f} s",
      report->window.rule,
      report->train.examples + report->validation.examples + report->test.examples,
      report->half_life_hours(), report->config.author_decay, test, report->seconds);
  compared.config = std::make_shared<const ranker::RankingConfig>(std::move(report->config));
  return compared;
}

}  // namespace feedrank::fit
