// feedrank fit-ranker: fits the ranking config's weights and source scales from history by
// logistic regression (in process, no server), chooses its recency half-life and author decay on
// held-out viewers, and writes the fitted config as JSON.
#include <fstream>
#include <iostream>
#include <memory>
#include <vector>

#include "tools/cli/commands.h"
#include "tools/cli/data_source_flags.h"
#include "tools/fit/fit_runner.h"
#include "tools/fit/fit_summary.h"

namespace feedrank::cli {
namespace {

struct FitFlags {
  fit::FitOptions options;
  DataSourceFlags source;
  std::string data_dir;
  std::int64_t cut_ms = 0;
  std::int64_t label_end_ms = 0;
  std::string base_config;
  std::string vector_space = "text";
  std::string out;
};

int run_fit_command(FitFlags& flags, bool cut_given, bool label_end_given) {
  fit::FitOptions& options = flags.options;
  options.source = to_replay_source(flags.source);
  options.data_dir = flags.data_dir;
  if (cut_given) options.window.cut_ms = flags.cut_ms;
  if (label_end_given) options.window.label_end_ms = flags.label_end_ms;
  options.base_config = flags.base_config;
  ranker::parse_vector_space(flags.vector_space, options.vector_space);  // checked by the flag

  auto report = fit::run_fit(
      options, [](std::string_view line) { std::cerr << "fit-ranker: " << line << std::endl; });
  if (!report.ok()) {
    std::cerr << "error: " << report.status().message() << "\n";
    return 1;
  }
  std::cerr << fit::fit_summary(*report);
  const std::string json = ranker::to_json(report->config);
  if (flags.out.empty()) {
    std::cout << json;
    return 0;
  }
  if (!write_text_file(flags.out, json)) return 1;
  std::cerr << "wrote " << flags.out << "\n";
  return 0;
}

}  // namespace

Subcommand add_fit_ranker_command(CLI::App& root) {
  auto flags = std::make_shared<FitFlags>();
  fit::FitOptions& options = flags->options;
  CLI::App* app = root.add_subcommand(
      "fit-ranker",
      "Fit the ranking config's weights and source scales by logistic regression (in process, no "
      "server): build each sampled viewer's algorithmic candidates at a past cut, label them by "
      "whether the viewer engaged with the post before the label end, and write the fitted "
      "RankingConfig JSON. It also chooses the recency half-life (of 1, 3, 6, 12, 24, 72, 168, "
      "720, 2160 and 8760 hours, and the base config's: the lowest validation log loss of "
      "weights fitted on the train viewers) and the author-diversity decay (of 1 (off), 0.9, "
      "0.8, 0.7, 0.6 and 0.5, floor the base's or the decay if lower: the highest NDCG@10 of the "
      "validation viewers' candidates ordered as the server orders them), reports AUC, log loss "
      "and NDCG@10 on the test viewers (the other half of the held-out ones, used for no "
      "choice) beside the base config's, then refits the weights on every viewer with the "
      "chosen half-life. A weight whose feature is constant in the data keeps the base's value. "
      "The choices are made inside the fit window, before the label end. The defaults (cut at "
      "quantile 0.7, label end at 0.8) use only data before `replay`'s default cut (0.8), so "
      "`replay --ranking-config` judges the fit, and both choices, on data they never saw");
  CLI::Option_group* input = add_data_source_options(*app, flags->source, "The data fitted");
  input
      ->add_option("--data-dir", flags->data_dir,
                   "The data directory of a stopped server (its store, read back as records)")
      ->check(CLI::ExistingDirectory);
  auto* cut_ms = app->add_option("--cut-ms", flags->cut_ms,
                                 "Cut in ms since the epoch: candidates are built from the history "
                                 "strictly before it");
  app->add_option("--cut-quantile", options.window.cut_quantile,
                  "Cut at this quantile of the engagement times (without --cut-ms)")
      ->check(CLI::Range(0.0, 1.0))
      ->excludes(cut_ms)
      ->capture_default_str();
  auto* label_end_ms = app->add_option(
      "--label-end-ms", flags->label_end_ms,
      "Label end in ms since the epoch: engagements in [cut, label end) are the labels; every "
      "post and engagement at or after it is left out");
  app->add_option("--label-end-quantile", options.window.label_end_quantile,
                  "Label end at this quantile of the engagement times (without --label-end-ms)")
      ->check(CLI::Range(0.0, 1.0))
      ->excludes(label_end_ms)
      ->capture_default_str();
  app->add_option("--max-viewers", options.max_viewers,
                  "Viewers whose candidates become examples; a seeded sample when more engaged "
                  "in the label window")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app->add_option("--seed", options.seed, "Seed of the viewer sample and the held-out split")
      ->capture_default_str();
  app->add_option(
         "--held-out", options.held_out_fraction,
         "Fraction of viewers held out of the fit (a seeded hash of the id): half choose the "
         "half-life and author decay (validation), half only measure the fit (test)")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  app->add_option(
         "--l2", options.l2,
         "L2 penalty l2/2 * w^2 on each weight but the intercept, in the features' own units")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  app->add_option("--base-config", flags->base_config,
                  "RankingConfig JSON the candidates are gathered with and whose other settings "
                  "the fitted config keeps (default: the built-in one)")
      ->check(CLI::ExistingFile);
  app->add_option("--version", options.version,
                  "Version string of the fitted config (default fitted-<input>-<cut date>, "
                  "fitted-<input>-<space>-<cut date> outside the text space)");
  app->add_option("--vector-space", flags->vector_space,
                  "Retrieval space of the candidates: text, learned or hybrid (the last two train "
                  "their model at the cut, so learned_score gets a weight)")
      ->check(CLI::IsMember({"text", "learned", "hybrid"}))
      ->capture_default_str();
  app->add_option("--out", flags->out, "Write the fitted config here (default: standard output)");
  return {app, [flags, cut_ms, label_end_ms] {
            return run_fit_command(*flags, cut_ms->count() > 0, label_end_ms->count() > 0);
          }};
}

}  // namespace feedrank::cli
