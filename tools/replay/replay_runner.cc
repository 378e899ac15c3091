#include "tools/replay/replay_runner.h"

#include <algorithm>
#include <memory>

#include "common/stopwatch.h"
#include "fmt/format.h"
#include "tools/replay/cut_time.h"
#include "tools/replay/engine_feed_source.h"
#include "tools/replay/popularity_baselines.h"
#include "tools/replay/random_baseline.h"
#include "tools/replay/reference_comparison.h"
#include "tools/replay/replay_engine.h"
#include "tools/replay/replay_records.h"
#include "tools/replay/source_scoring.h"
#include "tools/replay/user_knn_baseline.h"
#include "tools/replay/viewer_sample.h"

namespace feedrank::replay {
namespace {

struct Cut {
  TimestampMs at = 0;
  std::string rule;
};

absl::StatusOr<Cut> choose_cut(const ReplayOptions& options,
                               const std::vector<v1::IngestRecord>& records) {
  if (options.cut_ms) return Cut{*options.cut_ms, "given (--cut-ms)"};
  auto at = engagement_time_quantile(records, options.cut_quantile);
  if (!at.ok()) return at.status();
  return Cut{*at, fmt::format("quantile {} of the engagement times", options.cut_quantile)};
}

// One engine per vector space, each holding the whole history.
struct SpaceEngine {
  ranker::VectorSpace space;
  std::unique_ptr<ReplayEngine> engine;
};

// The rows of the table, in its order: the first engine's chronological feed, every engine's
// algorithmic feed, then the baselines.
std::vector<std::unique_ptr<ListSource>> list_sources(const std::vector<SpaceEngine>& engines,
                                                      const PreCutState& state,
                                                      const ReplayOptions& options) {
  std::vector<std::unique_ptr<ListSource>> sources;
  sources.push_back(std::make_unique<EngineFeedSource>(
      engines.front().engine->engine(), ranker::FeedMode::kChronological, state));
  for (const SpaceEngine& space : engines) {
    sources.push_back(std::make_unique<EngineFeedSource>(
        space.engine->engine(), ranker::FeedMode::kAlgorithmic, state, space.space));
  }
  for (const ComparedConfig& compared : options.compared_configs) {
    const auto engine = std::find_if(engines.begin(), engines.end(), [&](const SpaceEngine& e) {
      return e.space == compared.space;
    });  // there is one: check_compared_configs
    sources.push_back(std::make_unique<EngineFeedSource>(engine->engine->engine(), state,
                                                         compared.space, compared));
  }
  sources.push_back(
      std::make_unique<GlobalOrderSource>("popularity", state, popularity_order(state)));
  sources.push_back(std::make_unique<GlobalOrderSource>(
      "recent popularity", state, recent_popularity_order(state, options.recent_window_ms)));
  sources.push_back(std::make_unique<UserKnnSource>(state, options.knn_neighbours));
  sources.push_back(std::make_unique<RandomSource>(state, options.seed));
  return sources;
}

// The table's rows by name, in its order, known before anything is loaded, so that a misspelt
// --reference-list fails at once rather than after the history and the training. list_sources
// makes the rows themselves; run_replay checks that the two agree.
std::vector<std::string> row_names(const ReplayOptions& options) {
  std::vector<std::string> names = {EngineFeedSource::row_name(ranker::FeedMode::kChronological,
                                                               ranker::VectorSpace::kText)};
  for (ranker::VectorSpace space : options.vector_spaces) {
    names.push_back(EngineFeedSource::row_name(ranker::FeedMode::kAlgorithmic, space));
  }
  for (const ComparedConfig& compared : options.compared_configs) {
    names.push_back(
        EngineFeedSource::row_name(ranker::FeedMode::kAlgorithmic, compared.space, compared.label));
  }
  for (const char* baseline : {"popularity", "recent popularity", "user-kNN", "random"}) {
    names.push_back(baseline);
  }
  return names;
}

// The index of the row named `name`; INVALID_ARGUMENT naming the rows when there is none.
absl::StatusOr<std::size_t> row_named(const std::vector<std::string>& names,
                                      const std::string& name) {
  const auto it = std::find(names.begin(), names.end(), name);
  if (it != names.end()) return static_cast<std::size_t>(it - names.begin());
  return absl::InvalidArgumentError(fmt::format("reference list \"{}\" is not a row; the rows: {}",
                                                name, fmt::join(names, ", ")));
}

constexpr std::size_t kMaxRowLabelBytes = 64;

// A label that a Markdown table cell, an SVG axis and a row name in brackets can hold as it is.
bool is_row_label(std::string_view label) {
  if (label.empty() || label.size() > kMaxRowLabelBytes) return false;
  return std::none_of(label.begin(), label.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '|' || c == '[' || c == ']';
  });
}

// Each compared config has a config, a space the replay builds an engine for, and a label of its
// own in that space (its row's name must be unique).
absl::Status check_compared_configs(const std::vector<ComparedConfig>& compared,
                                    const std::vector<ranker::VectorSpace>& spaces) {
  for (std::size_t i = 0; i < compared.size(); ++i) {
    if (compared[i].config == nullptr) {
      return absl::InvalidArgumentError(fmt::format("compared_configs[{}]: no config", i));
    }
    if (!is_row_label(compared[i].label)) {
      return absl::InvalidArgumentError(fmt::format(
          "compared_configs[{}].label: \"{}\" must be 1..{} characters, none of them a control "
          "character, '|', '[' or ']' (it names a table row)",
          i, compared[i].label, kMaxRowLabelBytes));
    }
    if (std::find(spaces.begin(), spaces.end(), compared[i].space) == spaces.end()) {
      return absl::InvalidArgumentError(fmt::format(
          "compared_configs[{}].space: {} is not one of the replay's vector spaces", i,
          ranker::vector_space_name(compared[i].space)));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (compared[j].label == compared[i].label && compared[j].space == compared[i].space) {
        return absl::InvalidArgumentError(fmt::format(
            "compared_configs[{}].label: \"{}\" is compared_configs[{}]'s too", i,
            compared[i].label, j));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status check_replay_options(const ReplayOptions& options) {
  if (options.k < kTopN) return absl::InvalidArgumentError(fmt::format("k must be >= {}", kTopN));
  if (options.vector_spaces.empty()) {
    return absl::InvalidArgumentError("vector_spaces: name at least one vector space");
  }
  for (std::size_t i = 1; i < options.vector_spaces.size(); ++i) {
    const auto earlier = options.vector_spaces.begin() + static_cast<std::ptrdiff_t>(i);
    if (std::find(options.vector_spaces.begin(), earlier, options.vector_spaces[i]) != earlier) {
      return absl::InvalidArgumentError(
          fmt::format("vector_spaces: {} named twice (a row each would share one name)",
                      ranker::vector_space_name(options.vector_spaces[i])));
    }
  }
  if (absl::Status status = check_compared_configs(options.compared_configs, options.vector_spaces);
      !status.ok()) {
    return status;
  }
  return row_named(row_names(options), options.reference_list).status();
}

absl::StatusOr<ReplayReport> run_replay(const ReplayOptions& options, const ProgressLog& progress) {
  const auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  if (absl::Status status = check_replay_options(options); !status.ok()) return status;
  const std::vector<std::string> names = row_names(options);
  const std::size_t reference = *row_named(names, options.reference_list);
  const Stopwatch total;
  ReplayReport report;
  report.options = options;

  const Stopwatch loading;
  auto loaded = load_replay_records(options.source);
  if (!loaded.ok()) return loaded.status();
  report.source = loaded->description;
  report.records_loaded = loaded->records.size();
  report.timings.load_seconds = loading.seconds();
  say(fmt::format("loaded {} records from {} in {:.1f} s", report.records_loaded, report.source,
                  report.timings.load_seconds));

  const Stopwatch history;
  auto cut_at = choose_cut(options, loaded->records);
  if (!cut_at.ok()) return cut_at.status();
  report.cut = cut_at->at;
  report.cut_rule = cut_at->rule;
  const CorpusCut cut =
      cut_corpus(loaded->records, report.cut, options.positive_kinds, loaded->undated);
  report.counts = cut.counts;
  report.live_posts = cut.state.live_posts().size();
  const ViewerSample sample = judged_viewers(cut, options.max_viewers, options.seed);
  report.viewers_eligible = sample.eligible;
  report.viewers_judged = sample.viewers.size();
  for (UserId viewer : sample.viewers) report.mean_truth_size += cut.truth.at(viewer).size();
  if (!sample.viewers.empty()) report.mean_truth_size /= sample.viewers.size();

  std::vector<SpaceEngine> engines;
  for (ranker::VectorSpace space : options.vector_spaces) {
    const std::string name(ranker::vector_space_name(space));
    auto engine = ReplayEngine::open(options.ranking_config, space);
    if (!engine.ok()) return engine.status();
    report.ranking_config_version = (*engine)->engine().ranking_config().version;
    say(fmt::format("writing {} history records into the engine ({} space)", cut.history.size(),
                    name));
    if (absl::Status status = (*engine)->write(cut.history); !status.ok()) return status;
    if (space != ranker::VectorSpace::kText) {
      const Stopwatch training;
      if (absl::Status status = (*engine)->train_learned(report.cut); !status.ok()) {
        return status;
      }
      report.timings.training_seconds += training.seconds();
      const auto counts = (*engine)->engine().counts();
      if (counts.learned_model) {
        const embeddings::LearnedModelInfo& info = *counts.learned_model;
        report.learned_models.push_back(fmt::format(
            "{}: {} users x {} posts, {} engagement pairs, {} factors; {} ALS iterations{} "
            "(loss {:.5g}) in {:.1f} s on {}",
            name, info.users, info.posts, info.entries, counts.embedding_dimension,
            info.iterations, info.converged ? ", converged" : "", info.final_loss,
            info.train_seconds, info.backend));
        say(report.learned_models.back());
      }
    }
    engines.push_back({space, std::move(*engine)});
  }
  report.timings.history_seconds = history.seconds() - report.timings.training_seconds;
  say(fmt::format("history written in {:.1f} s", report.timings.history_seconds));

  for (const ComparedConfig& compared : options.compared_configs) {
    report.compared_configs.push_back(fmt::format(
        "{}: ranking config {}, {}",
        EngineFeedSource::row_name(ranker::FeedMode::kAlgorithmic, compared.space, compared.label),
        compared.config->version, compared.origin));
  }
  const auto sources = list_sources(engines, cut.state, options);
  std::vector<std::string> made;
  for (const auto& source : sources) made.push_back(source->name());
  if (made != names) {
    return absl::InternalError(fmt::format("the replay's rows ({}) are not the ones named ({})",
                                           fmt::join(made, ", "), fmt::join(names, ", ")));
  }
  const Stopwatch lists;
  for (const auto& source : sources) {
    const Stopwatch one;
    report.rows.push_back(
        score_list_source(*source, cut.state, cut.truth, sample.viewers, options.k));
    const ListScores& row = report.rows.back();
    say(row.unavailable.empty()
            ? fmt::format("{}: {} viewers in {:.1f} s", row.name, row.viewers, one.seconds())
            : fmt::format("{}: not available ({})", row.name, row.unavailable));
  }
  compare_with_reference(report.rows, reference, options.seed);
  report.timings.lists_seconds = lists.seconds();
  report.timings.total_seconds = total.seconds();
  return report;
}

}  // namespace feedrank::replay
