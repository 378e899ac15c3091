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
  std::vector<UserId> viewers;
  std::vector<ViewerCandidates> lists;  // held-out viewers only: the author decay is judged on them
};

struct Splits {
  Split train, validation, test;

  Split& of(ViewerRole role) {
    switch (role) {
      case ViewerRole::kValidation:
        return validation;
      case ViewerRole::kTest:
        return test;
      case ViewerRole::kTrain:
        break;
    }
    return train;
  }
};

// Each sampled viewer's candidates at the cut, as the algorithmic feed would see them then.
absl::Status gather_examples(const ranker::FeedEngine& engine, const replay::CorpusCut& cut,
                             const std::vector<UserId>& viewers, const FitOptions& options,
                             Splits& splits) {
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
    const ViewerRole role = viewer_role(viewer, options.seed, options.held_out_fraction);
    Split& split = splits.of(role);
    if (role != ViewerRole::kTrain) {
      split.lists.push_back({input->candidates, split.examples.rows()});
    }
    append_candidate_examples(*input, cut.truth.at(viewer), split.examples);
    split.viewers.push_back(viewer);
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

double base_half_life_hours(const FitReport& report) {
  return static_cast<double>(report.base_config.recency_half_life_ms) / kHourMs;
}

// The train-only weights as a config with the chosen half-life; the columns the train viewers'
// data left unestimated keep the base's values, as the written config does.
ranker::RankingConfig train_only_config(const FitReport& report) {
  ranker::RankingConfig config = fitted_ranking_config(report.base_config, report.train_fit.weights,
                                                       "train-only", report.train_fit.estimated);
  config.recency_half_life_ms = std::llround(report.half_life_hours() * kHourMs);
  return config;
}

// 1. The recency half-life: fitted on the train viewers per half-life of the grid, judged by the
// validation log loss. Leaves every split's recency column at the chosen half-life, and the
// report's train-only fit and scores those of the chosen one.
absl::Status pick_recency_half_life(Splits& splits, const LogisticOptions& regression,
                                    FitReport& report) {
  const double base_hours = base_half_life_hours(report);
  auto trials = try_half_lives(splits.train.examples, splits.validation.examples,
                               half_life_grid(base_hours), regression);
  if (!trials.ok()) return prefixed(trials.status(), "fitting the train viewers' examples");
  report.half_lives = std::move(*trials);
  report.half_life_choice = choose_half_life(report.half_lives, base_hours);
  const HalfLifeTrial& chosen = report.half_lives[report.half_life_choice];
  for (Split* split : {&splits.train, &splits.validation, &splits.test}) {
    set_recency_half_life(split->examples, chosen.hours);
  }
  report.train_fit = chosen.fit;
  score_split(splits.train.examples, report.train_fit.weights, report.train);
  score_split(splits.validation.examples, report.train_fit.weights, report.validation);
  score_split(splits.test.examples, report.train_fit.weights, report.test);
  return absl::OkStatus();
}

// 2. The author decay: the validation viewers' lists as the train-only model would serve them,
// judged by NDCG@10. With no validation viewer to judge by, every decay scores 0: the base's
// stays.
absl::Status pick_author_decay(const Split& validation, FitReport& report) {
  auto trials = try_author_decays(validation.examples, validation.lists, train_only_config(report),
                                  kAuthorDecayGrid);
  if (!trials.ok()) return prefixed(trials.status(), "scoring the validation viewers' candidates");
  report.author_decays = std::move(*trials);
  if (report.author_decays.viewers_judged > 0) {
    report.author_decay_choice = choose_author_decay(report.author_decays.trials);
  }
  return absl::OkStatus();
}

// 3. The test viewers' NDCG@10: the train-only model with both choices, and the base config as
// it stands (its own half-life, decay and floor), so the summary shows whether the fit ranks
// better on viewers no choice was made on.
absl::Status judge_on_test(const Split& test, FitReport& report) {
  ranker::RankingConfig chosen = train_only_config(report);
  if (report.author_decay_choice) {
    chosen = with_author_decay(std::move(chosen),
                               report.author_decays.trials[*report.author_decay_choice].decay);
  }
  auto fitted = judge_config(test.examples, test.lists, chosen);
  if (!fitted.ok()) return prefixed(fitted.status(), "scoring the test viewers' candidates");
  ExampleMatrix base_examples = test.examples;
  set_recency_half_life(base_examples, base_half_life_hours(report));
  auto base = judge_config(base_examples, test.lists, report.base_config);
  if (!base.ok()) return prefixed(base.status(), "scoring with the base config");
  report.test_ndcg.viewers_judged = fitted->viewers_judged;
  report.test_ndcg.fitted = fitted->trials.front().mean_ndcg;
  report.test_ndcg.base = base->trials.front().mean_ndcg;
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

  const replay::CorpusCut cut =
      replay::cut_corpus(kept, window->cut, options.positive_kinds, loaded->undated);
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
  Splits splits;
  if (absl::Status status =
          gather_examples((*engine)->engine(), cut, sample.viewers, options, splits);
      !status.ok()) {
    return status;
  }
  say(fmt::format(
      "{} examples from {} viewers: {} train, {} validation (the choices), {} test (judged only)",
      splits.train.examples.rows() + splits.validation.examples.rows() +
          splits.test.examples.rows(),
      sample.viewers.size(), splits.train.examples.rows(), splits.validation.examples.rows(),
      splits.test.examples.rows()));

  report.train = describe_split(splits.train, base);
  report.validation = describe_split(splits.validation, base);
  report.test = describe_split(splits.test, base);

  LogisticOptions regression;
  regression.intercept_column = kInterceptColumn;
  regression.l2 = options.l2;
  if (absl::Status status = pick_recency_half_life(splits, regression, report); !status.ok()) {
    return status;
  }
  if (absl::Status status = pick_author_decay(splits.validation, report); !status.ok()) {
    return status;
  }
  if (absl::Status status = judge_on_test(splits.test, report); !status.ok()) return status;

  // 4. The weights written: refitted on every viewer with the chosen half-life.
  ExampleMatrix all = std::move(splits.train.examples);
  all.append(splits.validation.examples);
  all.append(splits.test.examples);
  say(fmt::format("refitting on all {} examples", all.rows()));
  auto fit = fit_logistic_regression(all, regression);
  if (!fit.ok()) return prefixed(fit.status(), "fitting every viewer's examples");
  report.fit = std::move(*fit);
  // A learned or hybrid space's fit says so: its weights are for that space's candidates.
  std::string name = input_name(options);
  if (options.vector_space != ranker::VectorSpace::kText) {
    name += "-" + std::string(ranker::vector_space_name(options.vector_space));
  }
  const std::string version =
      options.version.empty() ? fitted_version(name, window->cut) : options.version;
  report.config = fitted_ranking_config(base, report.fit.weights, version, report.fit.estimated);
  report.config.recency_half_life_ms = std::llround(report.half_life_hours() * kHourMs);
  if (report.author_decay_choice) {
    report.config = with_author_decay(
        std::move(report.config), report.author_decays.trials[*report.author_decay_choice].decay);
  }
  report.seconds = stopwatch.seconds();
  return report;
}

}  // namespace feedrank::fit
