#include "tools/fit/fit_summary.h"

#include <cmath>
#include <ctime>

#include "fmt/chrono.h"
#include "fmt/format.h"
#include "tools/fit/fitted_config.h"
#include "tools/fit/model_columns.h"

namespace feedrank::fit {
namespace {

std::string utc(TimestampMs ms) {
  return fmt::format("{:%Y-%m-%d %H:%M} UTC", fmt::gmtime(static_cast<std::time_t>(ms / 1000)));
}

std::string auc_text(const std::optional<double>& auc) {
  return auc ? fmt::format("{:.4f}", *auc) : "n/a";
}

std::string split_line(std::string_view name, const SplitScores& split) {
  const std::string loss = split.examples > 0 ? fmt::format("{:.5f}", split.log_loss) : "n/a";
  return fmt::format("{:<10} {:>7} {:>9} {:>9} {:>8} {:>9} {:>15}\n", name,
                     split.viewers.size(), split.examples, split.positives, auc_text(split.auc),
                     loss, auc_text(split.base_auc));
}

bool was_estimated(const LogisticFit& fit, std::size_t column) {
  return column < fit.estimated.size() && fit.estimated[column];
}

// What a weight that was not estimated means, or "".
std::string estimation_note(const FitReport& report, std::size_t column) {
  if (!was_estimated(report.fit, column)) {
    return "  not estimated (constant in the data): base kept";
  }
  if (!was_estimated(report.train_fit, column)) {
    return "  train only: not estimated (constant there): base kept";
  }
  return "";
}

// One line per model column: the base config's value, the written one and the train viewers'
// alone (sources as scales). A column a fit could not estimate shows the base's value, which the
// configs keep.
std::string weight_lines(const FitReport& report) {
  const std::vector<double> base = model_weights(report.base_config);
  std::string lines =
      fmt::format("  {:<33} {:>10} -> {:>10}  {:>10}\n", "", "base", "fitted", "train only");
  for (int column = 0; column < kModelColumns; ++column) {
    const auto c = static_cast<std::size_t>(column);
    const double fitted = was_estimated(report.fit, c) ? report.fit.weights[c] : base[c];
    const double train = was_estimated(report.train_fit, c) ? report.train_fit.weights[c] : base[c];
    const std::string note = estimation_note(report, c);
    if (column < ranker::kFeatureCount) {
      lines += fmt::format("  {:<33} {:>10.4f} -> {:>10.4f}  {:>10.4f}{}\n", column_name(column),
                           base[c], fitted, train, note);
    } else {
      lines += fmt::format("  {:<33} {:>10.4f} -> {:>10.4f}  {:>10.4f}  (weight {:.4f}){}\n",
                           column_name(column) + " scale", std::exp(base[c]), std::exp(fitted),
                           std::exp(train), fitted, note);
    }
  }
  return lines;
}

std::string convergence_text(const LogisticFit& fit) {
  if (fit.converged) return "converged";
  return fit.stalled ? "NOT converged (no step lowered the loss)" : "NOT converged";
}

std::string mark(bool chosen) { return chosen ? "  <- chosen" : ""; }

std::string half_life_lines(const FitReport& report) {
  std::string lines = fmt::format(
      "recency half-life: fitted on the train viewers per half-life, judged on the validation "
      "viewers:\n  {:>8} {:>19} {:>14}\n",
      "hours", "validation log loss", "validation AUC");
  for (std::size_t i = 0; i < report.half_lives.size(); ++i) {
    const HalfLifeTrial& trial = report.half_lives[i];
    lines += fmt::format("  {:>8} {:>19.8f} {:>14}{}\n", trial.hours, trial.held_out_log_loss,
                         auc_text(trial.held_out_auc), mark(i == report.half_life_choice));
  }
  // Every loss is then 0, a tie that goes to the base's half-life.
  if (report.validation.examples == 0) {
    lines += "  no validation example to judge by: the base's kept\n";
  }
  return lines;
}

std::string author_decay_lines(const FitReport& report) {
  const DecayTrials& decays = report.author_decays;
  std::string lines = fmt::format(
      "author decay: the validation viewers' candidates scored by the train-only weights and "
      "ordered as the server orders them, NDCG@{} against their labels ({} viewers with a "
      "positive){}:\n  {:>5} {:>5} {:>12}\n",
      kDecayNdcgDepth, decays.viewers_judged,
      report.base_config.mmr_penalty > 0 ? "; without the MMR term (no post vectors here)" : "",
      "decay", "floor", "mean NDCG");
  for (std::size_t i = 0; i < decays.trials.size(); ++i) {
    const DecayTrial& trial = decays.trials[i];
    lines += fmt::format("  {:>5.2f} {:>5.2f} {:>12.6f}{}\n", trial.decay, trial.floor,
                         trial.mean_ndcg, mark(i == report.author_decay_choice));
  }
  if (!report.author_decay_choice) {
    lines += "  no validation viewer with a positive to judge by: the base's kept\n";
  }
  return lines;
}

// The figures no choice was made on: the test viewers'.
std::string held_out_lines(const FitReport& report) {
  std::string lines = fmt::format(
      "weights fitted on the train viewers only (chosen half-life; the base config with its "
      "own); the choices were made on the validation viewers, so the held-out figures to go by "
      "are the test viewers':\n{:<10} {:>7} {:>9} {:>9} {:>8} {:>9} {:>15}\n",
      "split", "viewers", "examples", "positives", "AUC", "log loss", "base config AUC");
  lines += split_line("train", report.train);
  lines += split_line("validation", report.validation);
  lines += split_line("test", report.test);
  if (report.test.viewers.empty()) {
    lines += "  no test viewer (raise --held-out or --max-viewers): no unbiased held-out figures\n";
  }
  const TestNdcg& ndcg = report.test_ndcg;
  if (ndcg.viewers_judged == 0) {
    lines +=
        fmt::format("test NDCG@{}: no test viewer with a positive to judge by\n", kDecayNdcgDepth);
    return lines;
  }
  lines += fmt::format(
      "test NDCG@{} ({} viewers with a positive): {:.6f} with the train-only weights, chosen "
      "half-life and decay; {:.6f} with the base config ({}: its own weights, half-life, decay and "
      "floor)\n",
      kDecayNdcgDepth, ndcg.viewers_judged, ndcg.fitted, ndcg.base, report.base_config.version);
  return lines;
}

}  // namespace

std::string fit_summary(const FitReport& report) {
  const replay::CutCounts& counts = report.counts;
  std::string text;
  text += fmt::format("input: {}, {} records\n", report.source, report.records_loaded);
  text += fmt::format("window: cut {}, label end {} ({})\n", utc(report.window.cut),
                      utc(report.window.label_end), report.window.rule);
  text += fmt::format("left out: {} records at or after the label end\n",
                      report.records_after_label_end);
  text += fmt::format("history: {} users, {} follows, {} posts, {} engagements\n", counts.users,
                      counts.follows, counts.posts, counts.engagements);
  text += fmt::format("label window: {} engagements\n", counts.engagements_after_cut);
  text += fmt::format(
      "viewers: {} sampled of {} with engagements in the label window: {} train, {} validation "
      "(the choices), {} test (judged only)\n",
      report.train.viewers.size() + report.validation.viewers.size() + report.test.viewers.size(),
      report.viewers_eligible, report.train.viewers.size(), report.validation.viewers.size(),
      report.test.viewers.size());
  text += fmt::format("candidates gathered with config {}\n", report.base_config.version);
  text += half_life_lines(report);
  text += author_decay_lines(report);
  text += fmt::format(
      "chosen: recency half-life {} h, author decay {:.2f} (floor {:.2f}); both on the "
      "validation viewers, in the fit window before its label end {} (with the default windows, "
      "the replay's cut)\n",
      report.half_life_hours(), report.config.author_decay, report.config.author_floor,
      utc(report.window.label_end));
  text += held_out_lines(report);
  text += fmt::format(
      "written weights: refitted on every viewer, {} Newton iterations, {} (train only: {}, "
      "{})\n",
      report.fit.iterations, convergence_text(report.fit), report.train_fit.iterations,
      convergence_text(report.train_fit));
  text += weight_lines(report);
  text += fmt::format("version: {}\n", report.config.version);
  text += fmt::format("wall time: {:.1f} s\n", report.seconds);
  return text;
}

}  // namespace feedrank::fit
