// fit-ranker end to end on a small synthetic corpus through the real engine: the fitted config
// parses, generalises to held-out viewers, carries the half-life and author decay chosen on the
// validation viewers, reports figures on test viewers no choice saw, keeps the base's weight where
// the data cannot estimate one, and the CLI writes it where asked.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "ranker/scoring/ranking_config.h"
#include "tests/support/temp_dir.h"
#include "tests/tools/subcommand_run.h"
#include "tools/cli/commands.h"
#include "tools/fit/fit_runner.h"
#include "tools/fit/fit_summary.h"
#include "tools/fit/model_columns.h"
#include "tools/fit/viewer_split.h"

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
  const SplitScores& test = report_->test;
  EXPECT_FALSE(test.viewers.empty());
  EXPECT_GT(test.positives, 0u);
  ASSERT_TRUE(test.auc.has_value());
  EXPECT_GT(*test.auc, 0.6) << fit_summary(*report_);
  EXPECT_GT(test.log_loss, 0.0);
  EXPECT_GT(report_->test_ndcg.viewers_judged, 0u);
  EXPECT_LE(report_->test_ndcg.viewers_judged, test.viewers.size());
}

TEST_F(FitEndToEnd, ReportsHeldOutFiguresOnViewersNoChoiceWasMadeOn) {
  ASSERT_NE(report_, nullptr);
  const std::vector<UserId>& train = report_->train.viewers;
  const std::vector<UserId>& validation = report_->validation.viewers;
  const std::vector<UserId>& test = report_->test.viewers;
  ASSERT_FALSE(validation.empty());
  ASSERT_FALSE(test.empty());
  const std::set<UserId> chose(validation.begin(), validation.end());
  const std::set<UserId> trained(train.begin(), train.end());
  for (UserId viewer : test) {
    EXPECT_FALSE(chose.contains(viewer)) << viewer;
    EXPECT_FALSE(trained.contains(viewer)) << viewer;
    EXPECT_TRUE(viewer_role(viewer, 1, 0.2) == ViewerRole::kTest) << viewer;
  }
  for (UserId viewer : validation) {
    EXPECT_FALSE(trained.contains(viewer)) << viewer;
    EXPECT_TRUE(viewer_role(viewer, 1, 0.2) == ViewerRole::kValidation) << viewer;
  }
  // The choices were judged on the validation viewers alone.
  EXPECT_GT(report_->author_decays.viewers_judged, 0u);
  EXPECT_LE(report_->author_decays.viewers_judged, validation.size());
  const std::string summary = fit_summary(*report_);
  EXPECT_NE(summary.find("\ntest "), std::string::npos) << summary;
  EXPECT_NE(summary.find("test NDCG@10"), std::string::npos) << summary;
}

TEST_F(FitEndToEnd, KeepsTheBasesWeightForAFeatureConstantInTheData) {
  ASSERT_NE(report_, nullptr);
  // The text space has no learned model: learned_score is 0 on every candidate.
  const auto learned = static_cast<std::size_t>(ranker::Feature::kLearnedScore);
  EXPECT_FALSE(report_->fit.estimated[learned]);
  EXPECT_FALSE(report_->train_fit.estimated[learned]);
  EXPECT_TRUE(report_->fit.estimated[static_cast<std::size_t>(kInterceptColumn)]);
  const float base = ranker::default_ranking_config().weights[learned];
  ASSERT_NE(base, 0.0f);
  EXPECT_EQ(report_->base_config.weights[learned], base);
  EXPECT_EQ(report_->config.weights[learned], base);
  auto parsed = ranker::parse_ranking_config(ranker::to_json(report_->config));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->weights[learned], base);
  const std::string summary = fit_summary(*report_);
  const std::size_t line = summary.find("\n  learned_score ");
  ASSERT_NE(line, std::string::npos) << summary;
  EXPECT_NE(summary.substr(line + 1, summary.find('\n', line + 1) - line - 1)
                .find("not estimated (constant in the data): base kept"),
            std::string::npos)
      << summary;
}

TEST_F(FitEndToEnd, UsesNothingFromTheLabelEndOn) {
  ASSERT_NE(report_, nullptr);
  EXPECT_LT(report_->window.cut, report_->window.label_end);
  EXPECT_GT(report_->records_after_label_end, 0u);
  EXPECT_GT(report_->counts.engagements_after_cut, 0u);  // the labels
  // Viewers split about 80/10/10 and every one of them is accounted for.
  const std::size_t held_out = report_->validation.viewers.size() + report_->test.viewers.size();
  const std::size_t viewers = report_->train.viewers.size() + held_out;
  EXPECT_EQ(viewers, std::min<std::size_t>(report_->viewers_eligible, 1000));
  EXPECT_GT(report_->train.viewers.size(), 2 * held_out);
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
  // The validation figures are the chosen train-only model's, the ones the choice favoured.
  EXPECT_EQ(report_->validation.log_loss, chosen.held_out_log_loss);
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
  ASSERT_EQ(testing::run_subcommand(cli::add_fit_ranker_command,
                                    {"fit-ranker", "--synthetic", "300,3000,7", "--version",
                                     "test-fit", "--out", out}),
            0);
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
