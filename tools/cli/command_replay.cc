// feedrank replay: offline replay of a data set through an in-process engine (no server), judging
// the feed modes and baselines against what viewers engaged with after a cut in time.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tools/cli/commands.h"
#include "tools/cli/data_source_flags.h"
#include "tools/fit/replay_fit.h"
#include "tools/replay/positive_kinds.h"
#include "tools/replay/replay_runner.h"
#include "tools/replay/report_json.h"
#include "tools/replay/report_markdown.h"
#include "tools/replay/report_svg.h"

namespace feedrank::cli {
namespace {

struct ReplayFlags {
  replay::ReplayOptions options;
  DataSourceFlags source;
  std::int64_t cut_ms = 0;
  double recent_days = 7;
  std::string ranking_config;
  std::vector<std::string> vector_spaces = {"text"};
  std::vector<std::string> positive_kinds;  // empty: every kind
  std::vector<std::string> compare_configs;  // RankingConfig JSON files, a row each
  bool fit_ranker = false;
  std::string fit_out;
  std::string out_md;
  std::string out_svg;
  bool json = false;
};

// "dir/fitted.json" with "learned": "dir/fitted.learned.json".
std::string sibling_with_infix(const std::string& file, std::string_view infix) {
  const std::filesystem::path path(file);
  std::filesystem::path sibling = path.parent_path();
  sibling /= path.stem().string() + "." + std::string(infix) + path.extension().string();
  return sibling.string();
}

int run_replay_command(ReplayFlags& flags, bool cut_given) {
  replay::ReplayOptions& options = flags.options;
  options.source = to_replay_source(flags.source);
  if (cut_given) options.cut_ms = flags.cut_ms;
  options.recent_window_ms = static_cast<TimestampMs>(flags.recent_days * replay::kDayMs);
  options.ranking_config = flags.ranking_config;
  options.vector_spaces.clear();
  for (const std::string& name : flags.vector_spaces) {
    ranker::VectorSpace space{};
    ranker::parse_vector_space(name, space);  // the flag's check allows only valid names
    options.vector_spaces.push_back(space);
  }
  for (const std::string& name : flags.positive_kinds) {
    // The flag's check allows only valid names.
    options.positive_kinds.kinds.push_back(*replay::parse_engagement_kind(name));
  }

  for (const std::string& file : flags.compare_configs) {
    auto config = ranker::load_ranking_config(file);
    if (!config.ok()) {
      std::cerr << "error: --compare-config " << file << ": " << config.status().message() << "\n";
      return 1;
    }
    replay::ComparedConfig compared;
    compared.label = config->version;
    compared.origin = "from " + file;
    compared.space = options.vector_spaces.front();
    compared.config = std::make_shared<const ranker::RankingConfig>(std::move(*config));
    options.compared_configs.push_back(std::move(compared));
  }
  // Refused at once, not after the fits: the options with a stand-in for each fitted config.
  replay::ReplayOptions checked = options;
  for (std::size_t i = 0; flags.fit_ranker && i < options.vector_spaces.size(); ++i) {
    checked.compared_configs.push_back(
        {fit::kFittedLabel, std::make_shared<const ranker::RankingConfig>(),
         "fitted", options.vector_spaces[i]});
  }
  if (absl::Status status = replay::check_replay_options(checked); !status.ok()) {
    std::cerr << "error: " << status.message();
    if (!checked.compared_configs.empty()) {
      std::cerr << " (a --compare-config row is named by its file's version, a --fit-ranker row "
                << fit::kFittedLabel << ")";
    }
    std::cerr << "\n";
    return 1;
  }
  for (std::size_t i = 0; flags.fit_ranker && i < options.vector_spaces.size(); ++i) {
    const ranker::VectorSpace space = options.vector_spaces[i];
    const std::string name(ranker::vector_space_name(space));
    auto fitted = fit::fit_on_replay_history(options, space, [&](std::string_view line) {
      std::cerr << "replay: fit (" << name << "): " << line << std::endl;
    });
    if (!fitted.ok()) {
      std::cerr << "error: --fit-ranker (" << name << " space): " << fitted.status().message()
                << "\n";
      return 1;
    }
    // The first space's config at --fit-out, the others beside it: fitted.learned.json, ...
    const std::string out = flags.fit_out.empty() || i == 0
                                ? flags.fit_out
                                : sibling_with_infix(flags.fit_out, name);
    if (!out.empty() && !write_text_file(out, ranker::to_json(*fitted->config) + "\n")) return 1;
    options.compared_configs.push_back(std::move(*fitted));
  }
  auto report = replay::run_replay(
      options, [](std::string_view line) { std::cerr << "replay: " << line << std::endl; });
  if (!report.ok()) {
    std::cerr << "error: " << report.status().message() << "\n";
    return 1;
  }
  const std::string markdown = replay::to_markdown(*report);
  std::cout << (flags.json ? replay::to_json(*report) + "\n" : markdown);
  bool written = true;
  if (!flags.out_md.empty()) written = write_text_file(flags.out_md, markdown) && written;
  if (!flags.out_svg.empty())
    written = write_text_file(flags.out_svg, replay::to_svg(*report)) && written;
  return written ? 0 : 1;
}

}  // namespace

Subcommand add_replay_command(CLI::App& root) {
  auto flags = std::make_shared<ReplayFlags>();
  replay::ReplayOptions& options = flags->options;
  CLI::App* app = root.add_subcommand(
      "replay",
      "Offline replay (in process, no server): cut a data set in time, build each viewer's "
      "feeds and baseline lists from the history and judge them by what they engaged with after");
  add_data_source_options(*app, flags->source, "The data replayed");
  auto* cut_ms = app->add_option("--cut-ms", flags->cut_ms,
                                 "Cut time in ms since the epoch (history is strictly earlier)");
  app->add_option("--cut-quantile", options.cut_quantile,
                  "Cut at this quantile of the engagement times (without --cut-ms)")
      ->check(CLI::Range(0.0, 1.0))
      ->excludes(cut_ms)
      ->capture_default_str();
  app->add_option("--k", options.k, "List length judged (recall@k), after dropping")
      ->check(CLI::Range(10, 500))
      ->capture_default_str();
  app->add_option("--max-viewers", options.max_viewers,
                  "Viewers judged; a seeded sample when more have ground truth")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app->add_option("--seed", options.seed,
                  "Seed of the viewer sample, the random baseline and the bootstrap")
      ->capture_default_str();
  app->add_option("--recent-days", flags->recent_days,
                  "Recent popularity counts engagements this many days before the cut")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app->add_option("--neighbours", options.knn_neighbours, "User-kNN neighbours")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app->add_option("--reference-list", options.reference_list,
                  "The row each row's NDCG@10 is compared with, by its name in the table (paired "
                  "bootstrap 95% interval over the judged viewers, seeded by --seed)")
      ->capture_default_str();
  app->add_option("--positive-kinds", flags->positive_kinds,
                  "Engagement kinds that count as positives: what makes a post a viewer's ground "
                  "truth after the cut; view, like, comment, share (comma-separated). Default: "
                  "every kind, as earlier tables were made. Before the cut any kind makes a post "
                  "'already engaged' (left out of every list and of the truth), as the engine's "
                  "feeds leave out posts engaged with in any way; the history keeps every kind")
      ->delimiter(',')
      ->check([](const std::string& name) {
        const auto kind = replay::parse_engagement_kind(name);
        return kind.ok() ? std::string() : std::string(kind.status().message());
      });
  app->add_option("--ranking-config", flags->ranking_config,
                  "RankingConfig JSON file for the algorithmic feed")
      ->check(CLI::ExistingFile);
  app->add_option("--compare-config", flags->compare_configs,
                  "More RankingConfig JSON files, one algorithmic row each, named by the "
                  "config's version: ranked by the first vector space's engine on the same "
                  "history and viewers, so that --reference-list can pair them with any row")
      ->check(CLI::ExistingFile);
  auto* fit_ranker = app->add_flag(
      "--fit-ranker", flags->fit_ranker,
      "Also fit the ranking config on the history before the cut, as fit-ranker does (its cut "
      "at 7/8 of --cut-quantile, or at the 7/8 quantile of the engagements before --cut-ms; its "
      "label end at the replay's cut; labels of --positive-kinds; its base --ranking-config), "
      "once per vector space, and judge each as a row: 'algorithmic [fitted]', 'algorithmic "
      "(learned) [fitted]', ...");
  app->add_option("--fit-out", flags->fit_out,
                  "Write the first vector space's --fit-ranker config to this JSON file (another "
                  "space's beside it: FILE.json -> FILE.learned.json)")
      ->needs(fit_ranker);
  app->add_option("--vector-spaces", flags->vector_spaces,
                  "One algorithmic row per vector space: text, learned, hybrid (comma-separated); "
                  "learned and hybrid train their model on the history")
      ->delimiter(',')
      ->check(CLI::IsMember({"text", "learned", "hybrid"}))
      ->capture_default_str();
  app->add_option("--out-md", flags->out_md, "Also write the Markdown report to this file");
  app->add_option("--out-svg", flags->out_svg,
                  "Write an SVG bar chart of NDCG@10 and recall@k to this file");
  app->add_flag("--json", flags->json, "Print the report as one JSON object instead");
  return {app, [flags, cut_ms] { return run_replay_command(*flags, cut_ms->count() > 0); }};
}

}  // namespace feedrank::cli
