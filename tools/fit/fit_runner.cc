#include "tools/fit/fit_runner.h"

#include <cmath>

#include "common/stopwatch.h"
#include "fmt/format.h"
#include "tools/fit/candidate_examples.h"
#include "tools/fit/fit_inputs.h"
#include "tools/fit/fitted_config.h"
#include "tools/fit/model_columns.h"
#include "tools/fit/ranking_metrics.h"
#include "tools/fit/recency_column.h"
#include "tools/fit/viewer_split.h"
#include "tools/replay/replay_engine.h"
#include "tools/replay/viewer_sample.h"

namespace feedrank::fit {
namespace {

constexpr double kHourMs = 3'600'000.0;

struct Split {
  ExampleMatrix examples{kModelColumns};
  std::size_t viewers = 0;
  std::vector<ViewerCandidates> lists;  // held-out viewers only: the author decay is judged on them
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
    const bool held = is_held_out(viewer, options.seed, options.held_out_fraction);
    Split& split = held ? held_out : train;
    if (held) split.lists.push_back({input->candidates, split.examples.rows()});
    append_candidate_examples(*input, cut.truth.at(viewer), split.examples);
    ++split.viewers;
  }
  return absl::OkStatus();
}

// Counts and the base config's AUC, on the columns as gathered (with the base's half-life).
SplitScores describe_split(const Split& split, const ranker::RankingConfig& base) {
  SplitScores scores;
  scores.viewers = split.viewers;
  scores.examples = split.examples.rows();
  scores.positives = split.examples.positives();
  scores.base_auc =
      roc_auc(predict_logits(split.examples, model_weights(base)), split.examples.labels());
  return scores;
}

void score_split(const ExampleMatrix& examples, std::span<const double> weights,
                 SplitScores& scores) {
  const std::vector<double> logits = predict_logits(examples, weights);
  scores.auc = roc_auc(logits, examples.labels());
  scores.log_loss = log_loss(logits, examples.labels());
}

absl::Status prefixed(const absl::Status& status, std::string_view what) {
  return absl::Status(status.code(), fmt::format("{}: {}", what, std::string(status.message())));
}

// 1. The recency half-life: fitted on the train viewers per half-life of the grid, judged by the
// held-out log loss. Leaves both splits' recency columns at the chosen half-life, and the report's
// train-only fit and scores those of the chosen one.
absl::Status pick_recency_half_life(Split& train, Split& held_out,
                                    const LogisticOptions& regression, FitReport& report) {
  const double base_hours = static_cast<double>(report.base_config.recency_half_life_ms) / kHourMs;
  auto trials =
      try_half_lives(train.examples, held_out.examples, half_life_grid(base_hours), regression);
  if (!trials.ok()) return prefixed(trials.status(), "fitting the train viewers' examples");
  report.half_lives = std::move(*trials);
  report.half_life_choice = choose_half_life(report.half_lives, base_hours);
  const HalfLifeTrial& chosen = report.half_lives[report.half_life_choice];
  set_recency_half_life(train.examples, chosen.hours);
  set_recency_half_life(held_out.examples, chosen.hours);
  report.train_fit = chosen.fit;
  score_split(train.examples, report.train_fit.weights, report.train);
  score_split(held_out.examples, report.train_fit.weights, report.held_out);
  return absl::OkStatus();
}

// 2. The author decay: the held-out viewers' lists as the train-only model would serve them,
// judged by NDCG@10. With no held-out viewer to judge by, every decay scores 0: the base's stays.
absl::Status pick_author_decay(const Split& held_out, FitReport& report) {
  ranker::RankingConfig config =
      fitted_ranking_config(report.base_config, report.train_fit.weights, "train-only");
  config.recency_half_life_ms = std::llround(report.half_life_hours() * kHourMs);
  auto trials = try_author_decays(held_out.examples, held_out.lists, config, kAuthorDecayGrid);
  if (!trials.ok()) return prefixed(trials.status(), "scoring the held-out viewers' candidates");
  report.author_decays = std::move(*trials);
  // The base config judged the same way, so the summary shows whether the fit ranks better.
  ExampleMatrix base_examples = held_out.examples;
  set_recency_half_life(base_examples,
                        static_cast<double>(report.base_config.recency_half_life_ms) / kHourMs);
  const float base_decay[] = {report.base_config.author_decay};
  auto base_trial =
      try_author_decays(base_examples, held_out.lists, report.base_config, base_decay);
  if (!base_trial.ok()) return prefixed(base_trial.status(), "scoring with the base config");
  report.base_held_out_ndcg = base_trial->trials.front().mean_ndcg;
  if (report.author_decays.viewers_judged > 0) {
    report.author_decay_choice = choose_author_decay(report.author_decays.trials);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<FitReport> run_fit(const FitOptions& options, const replay::ProgressLog& progress) {
  const auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  const Stopwatch stopwatch;
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
  auto engine = replay::ReplayEngine::open(options.base_config, options.vector_space);
  if (!engine.ok()) return engine.status();
  report.base_config = (*engine)->engine().ranking_config();
  const ranker::RankingConfig& base = report.base_config;
  say(fmt::format("writing {} history records into the engine", cut.history.size()));
  if (absl::Status status = (*engine)->write(cut.history); !status.ok()) return status;
  if (options.vector_space != ranker::VectorSpace::kText) {
    say(fmt::format("training the learned model ({} space) at the cut",
                    ranker::vector_space_name(options.vector_space)));
    if (absl::Status status = (*engine)->train_learned(window->cut); !status.ok()) return status;
  }

  const replay::ViewerSample sample =
      replay::judged_viewers(cut, options.max_viewers, options.seed);
  report.viewers_eligible = sample.eligible;
  Split train, held_out;
  if (absl::Status status =
          gather_examples((*engine)->engine(), cut, sample.viewers, options, train, held_out);
      !status.ok()) {
    return status;
  }
  say(fmt::format("{} examples from {} viewers; choosing the recency half-life on {} of them",
                  train.examples.rows() + held_out.examples.rows(), sample.viewers.size(),
                  train.examples.rows()));

  report.train = describe_split(train, base);
  report.held_out = describe_split(held_out, base);

  LogisticOptions regression;
  regression.intercept_column = kInterceptColumn;
  regression.l2 = options.l2;
  if (absl::Status status = pick_recency_half_life(train, held_out, regression, report);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = pick_author_decay(held_out, report); !status.ok()) return status;

  // 3. The weights written: refitted on every viewer with the chosen half-life.
  ExampleMatrix all = std::move(train.examples);
  all.append(held_out.examples);
  say(fmt::format("refitting on all {} examples", all.rows()));
  auto fit = fit_logistic_regression(all, regression);
  if (!fit.ok()) return prefixed(fit.status(), "fitting every viewer's examples");
  report.fit = std::move(*fit);
  const std::string version =
      options.version.empty() ? fitted_version(input_name(options), window->cut) : options.version;
  report.config = fitted_ranking_config(base, report.fit.weights, version);
  report.config.recency_half_life_ms = std::llround(report.half_life_hours() * kHourMs);
  if (report.author_decay_choice) {
    report.config = with_author_decay(
        std::move(report.config), report.author_decays.trials[*report.author_decay_choice].decay);
  }
  report.seconds = stopwatch.seconds();
  return report;
}

}  // namespace feedrank::fit
