// fit-ranker end to end on a small synthetic corpus through the real engine: the fitted config
// parses, generalises to held-out viewers, carries the half-life and author decay chosen on them,
// and the CLI writes it where asked.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <algorithm>

#include "absl/strings/match.h"
#include "ranker/scoring/ranking_config.h"
#include "tests/support/temp_dir.h"
#include "tools/cli/commands.h"
#include "tools/fit/fit_runner.h"
#include "tools/fit/fit_summary.h"

namespace feedrank::fit {
namespace {

class FitEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    FitOptions options;
    options.source.synthetic = datasets::SyntheticCorpusOptions{1000, 10000, 1};
    auto report = run_fit(options);
    ASSERT_TRUE(report.ok()) << report.status();
    report_ = new FitReport(std::move(*report));
  }
  static void TearDownTestSuite() { delete report_; }

  static FitReport* report_;
};
FitReport* FitEndToEnd::report_ = nullptr;

TEST_F(FitEndToEnd, WritesAConfigThatParses) {
  ASSERT_NE(report_, nullptr);
  auto parsed = ranker::parse_ranking_config(ranker::to_json(report_->config));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(absl::StartsWith(parsed->version, "fitted-synthetic-1000-10000-1-20"))
      << parsed->version;
  EXPECT_TRUE(report_->fit.converged);
}

TEST_F(FitEndToEnd, RanksHeldOutViewersCandidatesWellAboveChance) {
  ASSERT_NE(report_, nullptr);
  const SplitScores& held_out = report_->held_out;
  EXPECT_GT(held_out.viewers, 0u);
  EXPECT_GT(held_out.positives, 0u);
  ASSERT_TRUE(held_out.auc.has_value());
  EXPECT_GT(*held_out.auc, 0.6) << fit_summary(*report_);
  EXPECT_GT(held_out.log_loss, 0.0);
}

TEST_F(FitEndToEnd, UsesNothingFromTheLabelEndOn) {
  ASSERT_NE(report_, nullptr);
  EXPECT_LT(report_->window.cut, report_->window.label_end);
  EXPECT_GT(report_->records_after_label_end, 0u);
  EXPECT_GT(report_->counts.engagements_after_cut, 0u);  // the labels
  // Viewers split about 80/20 and every one of them is accounted for.
  const std::size_t viewers = report_->train.viewers + report_->held_out.viewers;
  EXPECT_EQ(viewers, std::min<std::size_t>(report_->viewers_eligible, 1000));
  EXPECT_GT(report_->train.viewers, 2 * report_->held_out.viewers);
}

TEST_F(FitEndToEnd, ChoosesTheHalfLifeWithTheLowestHeldOutLossAndWritesIt) {
  ASSERT_NE(report_, nullptr);
  const std::vector<HalfLifeTrial>& trials = report_->half_lives;
  ASSERT_EQ(trials.size(), kHalfLifeGridHours.size());  // the base's 24 h is on the grid
  for (std::size_t i = 0; i < trials.size(); ++i) {
    EXPECT_EQ(trials[i].hours, kHalfLifeGridHours[i]);
    EXPECT_LE(trials[report_->half_life_choice].held_out_log_loss, trials[i].held_out_log_loss)
        << fit_summary(*report_);
  }
  const HalfLifeTrial& chosen = trials[report_->half_life_choice];
  // The held-out figures reported are the chosen train-only model's.
  EXPECT_EQ(report_->held_out.log_loss, chosen.held_out_log_loss);
  EXPECT_EQ(report_->train_fit.weights, chosen.fit.weights);
  EXPECT_NE(report_->fit.weights, chosen.fit.weights);  // refitted with the held-out viewers
  auto parsed = ranker::parse_ranking_config(ranker::to_json(report_->config));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->recency_half_life_ms, static_cast<TimestampMs>(chosen.hours * 3'600'000));
}

TEST_F(FitEndToEnd, ChoosesTheAuthorDecayWithTheBestHeldOutNdcgAndWritesIt) {
  ASSERT_NE(report_, nullptr);
  const DecayTrials& decays = report_->author_decays;
  EXPECT_GT(decays.viewers_judged, 0u);
  ASSERT_EQ(decays.trials.size(), kAuthorDecayGrid.size());
  ASSERT_TRUE(report_->author_decay_choice.has_value());
  const DecayTrial& chosen = decays.trials[*report_->author_decay_choice];
  for (const DecayTrial& trial : decays.trials) {
    EXPECT_LE(trial.mean_ndcg, chosen.mean_ndcg) << fit_summary(*report_);
  }
  auto parsed = ranker::parse_ranking_config(ranker::to_json(report_->config));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->author_decay, chosen.decay);
  EXPECT_TRUE(std::find(kAuthorDecayGrid.begin(), kAuthorDecayGrid.end(), parsed->author_decay) !=
              kAuthorDecayGrid.end());
  EXPECT_EQ(parsed->author_floor, std::min(0.2f, chosen.decay));  // the default base's floor
}

TEST(FitRankerCommand, WritesTheFittedConfigToOut) {
  testing::TempDir dir;
  const std::string out = dir.sub("fitted.json");
  CLI::App app;
  const cli::Subcommand command = cli::add_fit_ranker_command(app);
  std::vector<std::string> args = {"feedrank",  "fit-ranker", "--synthetic", "300,3000,7",
                                   "--version", "test-fit",   "--out",       out};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  app.parse(static_cast<int>(argv.size()), argv.data());
  ASSERT_EQ(command.run(), 0);
  auto config = ranker::load_ranking_config(out);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->version, "test-fit");
  // A half-life of the grid: every value on it is a whole number of hours.
  EXPECT_TRUE(std::find(kHalfLifeGridHours.begin(), kHalfLifeGridHours.end(),
                        config->recency_half_life_ms / 3'600'000.0) != kHalfLifeGridHours.end())
      << config->recency_half_life_ms;
}

TEST(FitRun, UnreadableInputIsAnError) {
  FitOptions options;
  options.source.jsonl_file = "/nonexistent/fit.jsonl";
  EXPECT_TRUE(absl::IsNotFound(run_fit(options).status()));
}

}  // namespace
}  // namespace feedrank::fit
