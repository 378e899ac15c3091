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
  return fmt::format("{:<9} {:>7} {:>9} {:>9} {:>8} {:>9} {:>15}\n", name, split.viewers,
                     split.examples, split.positives, auc_text(split.auc),
                     fmt::format("{:.5f}", split.log_loss), auc_text(split.base_auc));
}

// One line per model column: the base config's value and the fitted one (sources as scales).
std::string weight_lines(const FitReport& report) {
  const std::vector<double> base = model_weights(report.base_config);
  std::string lines;
  for (int column = 0; column < kModelColumns; ++column) {
    const auto c = static_cast<std::size_t>(column);
    const double fitted = report.fit.weights[c];
    if (column < ranker::kFeatureCount) {
      lines +=
          fmt::format("  {:<33} {:>10.4f} -> {:>10.4f}\n", column_name(column), base[c], fitted);
    } else {
      lines +=
          fmt::format("  {:<33} {:>10.4f} -> {:>10.4f}  (weight {:.4f})\n",
                      column_name(column) + " scale", std::exp(base[c]), std::exp(fitted), fitted);
    }
  }
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
  text += fmt::format("viewers: {} sampled of {} with engagements in the label window\n",
                      report.train.viewers + report.held_out.viewers, report.viewers_eligible);
  text += fmt::format("fit: {} Newton iterations, {}; candidates gathered with config {}\n",
                      report.fit.iterations, report.fit.converged ? "converged" : "NOT converged",
                      report.base_config.version);
  text += fmt::format("{:<9} {:>7} {:>9} {:>9} {:>8} {:>9} {:>15}\n", "split", "viewers",
                      "examples", "positives", "AUC", "log loss", "base config AUC");
  text += split_line("train", report.train);
  text += split_line("held out", report.held_out);
  text += fmt::format("weights (base -> fitted):\n{}", weight_lines(report));
  text += fmt::format("version: {}\n", report.config.version);
  text += fmt::format("wall time: {:.1f} s\n", report.seconds);
  return text;
}

}  // namespace feedrank::fit
