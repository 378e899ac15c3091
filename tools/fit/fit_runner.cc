#include "tools/fit/fit_runner.h"

#include <chrono>

#include "fmt/format.h"
#include "tools/fit/candidate_examples.h"
#include "tools/fit/fit_inputs.h"
#include "tools/fit/fitted_config.h"
#include "tools/fit/model_columns.h"
#include "tools/fit/ranking_metrics.h"
#include "tools/fit/viewer_split.h"
#include "tools/replay/replay_engine.h"
#include "tools/replay/viewer_sample.h"

namespace feedrank::fit {
namespace {

struct Split {
  ExampleMatrix examples{kModelColumns};
  std::size_t viewers = 0;
};

// Each sampled viewer's candidates at the cut, as the algorithmic feed would see them then.
absl::Status gather_examples(const ranker::FeedEngine& engine, const replay::CorpusCut& cut,
                             const std::vector<UserId>& viewers, const FitOptions& options,
                             Split& train, Split& held_out) {
  for (UserId viewer : viewers) {
    ranker::FeedRequest request;
    request.viewer = viewer;
    request.mode = ranker::FeedMode::kAlgorithmic;
    request.as_of = cut.state.cut;
    auto input = engine.ranking_candidates(request);
    if (!input.ok()) {
      return absl::Status(input.status().code(),
                          fmt::format("candidates of viewer {}: {}", viewer,
                                      std::string(input.status().message())));
    }
    Split& split = is_held_out(viewer, options.seed, options.held_out_fraction) ? held_out : train;
    append_candidate_examples(*input, cut.truth.at(viewer), split.examples);
    ++split.viewers;
  }
  return absl::OkStatus();
}

SplitScores score_split(const Split& split, std::span<const double> weights,
                        const ranker::RankingConfig& base) {
  SplitScores scores;
  scores.viewers = split.viewers;
  scores.examples = split.examples.rows();
  scores.positives = split.examples.positives();
  const std::vector<double> logits = predict_logits(split.examples, weights);
  scores.auc = roc_auc(logits, split.examples.labels());
  scores.log_loss = log_loss(logits, split.examples.labels());
  scores.base_auc =
      roc_auc(predict_logits(split.examples, model_weights(base)), split.examples.labels());
  return scores;
}

}  // namespace

absl::StatusOr<FitReport> run_fit(const FitOptions& options, const replay::ProgressLog& progress) {
  const auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  const auto start = std::chrono::steady_clock::now();
  FitReport report;

  auto loaded = load_fit_records(options);
  if (!loaded.ok()) return loaded.status();
  report.source = loaded->description;
  report.records_loaded = loaded->records.size();
  auto window = choose_fit_window(loaded->records, options.window);
  if (!window.ok()) return window.status();
  report.window = *window;
  const std::vector<v1::IngestRecord> kept = records_before(loaded->records, window->label_end);
  report.records_after_label_end = loaded->records.size() - kept.size();
  say(fmt::format("loaded {} records from {}; {} at or after the label end dropped",
                  report.records_loaded, report.source, report.records_after_label_end));

  const replay::CorpusCut cut = replay::cut_corpus(kept, window->cut);
  report.counts = cut.counts;
  auto engine = replay::ReplayEngine::open(options.base_config);
  if (!engine.ok()) return engine.status();
  report.base_config = (*engine)->engine().ranking_config();
  const ranker::RankingConfig& base = report.base_config;
  say(fmt::format("writing {} history records into the engine", cut.history.size()));
  if (absl::Status status = (*engine)->write(cut.history); !status.ok()) return status;

  const replay::ViewerSample sample =
      replay::judged_viewers(cut, options.max_viewers, options.seed);
  report.viewers_eligible = sample.eligible;
  Split train, held_out;
  if (absl::Status status =
          gather_examples((*engine)->engine(), cut, sample.viewers, options, train, held_out);
      !status.ok()) {
    return status;
  }
  say(fmt::format("{} examples from {} viewers; fitting {} of them",
                  train.examples.rows() + held_out.examples.rows(), sample.viewers.size(),
                  train.examples.rows()));

  LogisticOptions regression;
  regression.intercept_column = kInterceptColumn;
  regression.l2 = options.l2;
  auto fit = fit_logistic_regression(train.examples, regression);
  if (!fit.ok()) {
    return absl::Status(fit.status().code(), fmt::format("fitting the train viewers' examples: {}",
                                                         std::string(fit.status().message())));
  }
  report.fit = std::move(*fit);
  report.train = score_split(train, report.fit.weights, base);
  report.held_out = score_split(held_out, report.fit.weights, base);
  const std::string version =
      options.version.empty() ? fitted_version(input_name(options), window->cut) : options.version;
  report.config = fitted_ranking_config(base, report.fit.weights, version);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace feedrank::fit
