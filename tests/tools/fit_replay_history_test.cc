// The fit a replay runs on its own history: with the replay's default cut it is fit-ranker's
// default fit (same window, same weights), it learns from the replay's positive kinds only, it
// takes a cut given as a time, and `feedrank replay --fit-ranker` judges it as a row and writes
// it where asked.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "absl/strings/match.h"
#include "ranker/scoring/ranking_config.h"
#include "tests/support/temp_dir.h"
#include "tests/tools/subcommand_run.h"
#include "tools/cli/commands.h"
#include "tools/fit/fit_runner.h"
#include "tools/fit/replay_fit.h"

namespace feedrank::fit {
namespace {

const datasets::SyntheticCorpusOptions kCorpus{300, 3000, 7};

TEST(FitOnReplayHistory, IsFitRankersDefaultFitForTheDefaultCut) {
  replay::ReplayOptions replay_options;
  replay_options.source.synthetic = kCorpus;
  auto fitted = fit_on_replay_history(replay_options, ranker::VectorSpace::kText);
  ASSERT_TRUE(fitted.ok()) << fitted.status();
  EXPECT_EQ(fitted->label, "fitted");
  EXPECT_TRUE(absl::StrContains(fitted->origin, "cut: quantile 0.7 of the engagement times; "
                                                "label end: quantile 0.8 of the engagement times"))
      << fitted->origin;

  FitOptions fit_options;
  fit_options.source.synthetic = kCorpus;
  auto by_default = run_fit(fit_options);
  ASSERT_TRUE(by_default.ok()) << by_default.status();
  EXPECT_EQ(fitted->config->weights, by_default->config.weights);
  EXPECT_EQ(fitted->config->source_scales, by_default->config.source_scales);
  EXPECT_EQ(fitted->config->recency_half_life_ms, by_default->config.recency_half_life_ms);
  EXPECT_EQ(to_json(*fitted->config), to_json(by_default->config));
}

// 0.8 x 7/8 in doubles is 0.7 + 1e-16, which takes the cut one engagement later for some counts
// (91 engagements: rank 63 instead of 62).
TEST(FitOnReplayHistory, CutsAtSevenEighthsOfTheReplaysQuantileExactly) {
  EXPECT_EQ(fit_cut_quantile(0.8), 0.7);
  EXPECT_EQ(fit_cut_quantile(0.6), 0.525);
  EXPECT_EQ(fit_cut_quantile(1.0), 0.875);
}

// Another cut quantile and other positive kinds reach the fit: it is fit-ranker's fit with the
// window at 7/8 of the cut and the replay's kinds as labels. Shares are rare (7% of the synthetic
// engagements): far fewer positives than with every kind, from the same candidates.
TEST(FitOnReplayHistory, FitsWithTheReplaysCutQuantileAndPositiveKinds) {
  replay::ReplayOptions replay_options;
  replay_options.source.synthetic = kCorpus;
  replay_options.cut_quantile = 0.6;
  replay_options.positive_kinds.kinds = {v1::ENGAGEMENT_KIND_SHARE};
  auto fitted = fit_on_replay_history(replay_options, ranker::VectorSpace::kText);
  ASSERT_TRUE(fitted.ok()) << fitted.status();

  FitOptions fit_options;
  fit_options.source.synthetic = kCorpus;
  fit_options.window.cut_quantile = 0.525;
  fit_options.window.label_end_quantile = 0.6;
  fit_options.positive_kinds.kinds = {v1::ENGAGEMENT_KIND_SHARE};
  auto shares = run_fit(fit_options);
  ASSERT_TRUE(shares.ok()) << shares.status();
  EXPECT_EQ(to_json(*fitted->config), to_json(shares->config));

  fit_options.positive_kinds = {};
  auto every_kind = run_fit(fit_options);
  ASSERT_TRUE(every_kind.ok()) << every_kind.status();
  const auto positives = [](const FitReport& report) {
    return report.train.positives + report.validation.positives + report.test.positives;
  };
  EXPECT_GT(positives(*shares), 0u);
  EXPECT_LT(2 * positives(*shares), positives(*every_kind));
  EXPECT_NE(to_json(shares->config), to_json(every_kind->config));
}

TEST(FitOnReplayHistory, WithACutGivenAsATimeCutsAtSevenEighthsOfTheEngagementsBeforeIt) {
  replay::ReplayOptions options;
  options.source.synthetic = kCorpus;
  options.cut_ms = 1'704'067'200'000 + 20LL * 24 * 3'600'000;  // 20 days into the posts
  const auto fitted = fit_on_replay_history(options, ranker::VectorSpace::kText);
  ASSERT_TRUE(fitted.ok()) << fitted.status();
  EXPECT_TRUE(absl::StrContains(fitted->origin,
                                "cut: quantile 0.875 of the engagement times before the label "
                                "end; label end: given"))
      << fitted->origin;
}

TEST(ReplayCommand, FitRankerJudgesAConfigFittedInEachSpaceAsARowAndWritesThem) {
  testing::TempDir dir;
  const std::string fitted = dir.sub("fitted.json");
  const std::string markdown = dir.sub("replay.md");
  ASSERT_EQ(testing::run_subcommand(
                cli::add_replay_command,
                {"replay", "--synthetic", "300,3000,7", "--vector-spaces", "text,learned",
                 "--fit-ranker", "--fit-out", fitted, "--reference-list", "algorithmic",
                 "--out-md", markdown}),
            0);
  auto config = ranker::load_ranking_config(fitted);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(absl::StartsWith(config->version, "fitted-synthetic-300-3000-7-")) << config->version;
  std::ifstream in(markdown);
  const std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(absl::StrContains(report, "| algorithmic [fitted] | ")) << report;
  EXPECT_TRUE(
      absl::StrContains(report, "- algorithmic [fitted]: ranking config " + config->version))
      << report;
  // The learned space's fit, beside the first: its learned_score weight is fitted, not the base's.
  auto learned = ranker::load_ranking_config(dir.sub("fitted.learned.json"));
  ASSERT_TRUE(learned.ok()) << learned.status();
  EXPECT_TRUE(absl::StartsWith(learned->version, "fitted-synthetic-300-3000-7-learned-"))
      << learned->version;
  const auto learned_score = static_cast<int>(ranker::Feature::kLearnedScore);
  EXPECT_EQ(config->weights[learned_score],
            ranker::default_ranking_config().weights[learned_score]);
  EXPECT_NE(learned->weights[learned_score], config->weights[learned_score]);
  EXPECT_TRUE(absl::StrContains(report, "| algorithmic (learned) [fitted] | ")) << report;
}

// A replay option the run would refuse is refused before the fit runs, not after it.
TEST(ReplayCommand, RefusesABadReferenceListBeforeFitting) {
  testing::TempDir dir;
  const std::string fitted = dir.sub("fitted.json");
  EXPECT_EQ(testing::run_subcommand(cli::add_replay_command,
                                    {"replay", "--synthetic", "300,3000,7", "--fit-ranker",
                                     "--fit-out", fitted, "--reference-list", "chrono"}),
            1);
  EXPECT_FALSE(std::filesystem::exists(fitted));
}

// A flag of one input given with another would be ignored: refused.
TEST(ReplayCommand, RefusesTheLastFmMappingWithAnotherInput) {
  EXPECT_THROW(testing::run_subcommand(cli::add_replay_command,
                                       {"replay", "--synthetic", "50,200,1",
                                        "--lastfm-likes-per-artist", "7"}),
               CLI::RequiresError);
}

}  // namespace
}  // namespace feedrank::fit
