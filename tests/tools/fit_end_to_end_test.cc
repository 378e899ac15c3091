// fit-ranker end to end on a small synthetic corpus through the real engine: the fitted config
// parses, generalises to held-out viewers, and the CLI writes it where asked.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

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
}

TEST(FitRun, UnreadableInputIsAnError) {
  FitOptions options;
  options.source.jsonl_file = "/nonexistent/fit.jsonl";
  EXPECT_TRUE(absl::IsNotFound(run_fit(options).status()));
}

}  // namespace
}  // namespace feedrank::fit
