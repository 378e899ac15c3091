// An end-to-end replay of a small synthetic corpus through the in-process engine: every row is
// there in order, the chronological one has plausible values, every other row is compared with it,
// and the reports render.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "ranker/scoring/ranking_config.h"
#include "tools/replay/replay_runner.h"
#include "tools/replay/report_json.h"
#include "tools/replay/report_markdown.h"
#include "tools/replay/report_svg.h"

namespace feedrank::replay {
namespace {

void expect_metrics_in_range(const ListScores& row) {
  for (double value : {row.ndcg_at_10, row.hit_rate_at_10, row.recall_at_10, row.recall_at_k,
                       row.mrr, row.coverage, row.author_diversity_at_10}) {
    EXPECT_GE(value, 0.0) << row.name;
    EXPECT_LE(value, 1.0) << row.name;
  }
  EXPECT_LE(row.recall_at_10, row.recall_at_k) << row.name;
  EXPECT_LE(row.ndcg_at_10, row.hit_rate_at_10) << row.name;
  EXPECT_GE(row.mean_age_hours_at_10, 0.0) << row.name;
}

class ReplayEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ReplayOptions options;
    options.source.synthetic = datasets::SyntheticCorpusOptions{300, 3000, 7, 20};
    options.max_viewers = 120;
    auto report = run_replay(options);
    ASSERT_TRUE(report.ok()) << report.status();
    report_ = new ReplayReport(std::move(*report));
  }
  static void TearDownTestSuite() { delete report_; }

  static ReplayReport* report_;
};
ReplayReport* ReplayEndToEnd::report_ = nullptr;

TEST_F(ReplayEndToEnd, CutsLoadsAndJudgesViewers) {
  ASSERT_NE(report_, nullptr);
  EXPECT_GT(report_->counts.posts, 0u);
  EXPECT_GT(report_->counts.engagements, 0u);
  EXPECT_GT(report_->counts.engagements_after_cut, 0u);
  EXPECT_GT(report_->viewers_judged, 0u);
  EXPECT_LE(report_->viewers_judged, 120u);
  EXPECT_GT(report_->mean_truth_size, 0.0);
}

TEST_F(ReplayEndToEnd, EveryRowInOrderAndChronologicalIsPlausible) {
  ASSERT_NE(report_, nullptr);
  std::vector<std::string> names;
  for (const ListScores& row : report_->rows) names.push_back(row.name);
  EXPECT_EQ(names, (std::vector<std::string>{"chronological", "algorithmic", "popularity",
                                             "recent popularity", "user-kNN", "random"}));
  const ListScores& chronological = report_->rows[0];
  ASSERT_TRUE(chronological.unavailable.empty()) << chronological.unavailable;
  EXPECT_EQ(chronological.viewers, report_->viewers_judged);
  EXPECT_GT(chronological.hit_rate_at_10, 0.0);  // followees' posts are engaged with
  EXPECT_GT(chronological.coverage, 0.0);
  for (const ListScores& row : report_->rows) {
    ASSERT_TRUE(row.unavailable.empty()) << row.name << ": " << row.unavailable;
    EXPECT_EQ(row.viewers, report_->viewers_judged) << row.name;
    expect_metrics_in_range(row);
  }
}

TEST_F(ReplayEndToEnd, ReportsRenderEveryRow) {
  ASSERT_NE(report_, nullptr);
  const std::string markdown = to_markdown(*report_);
  EXPECT_TRUE(absl::StrContains(markdown, "| chronological | ")) << markdown;
  EXPECT_TRUE(absl::StrContains(markdown, "| user-kNN | ")) << markdown;
  EXPECT_TRUE(absl::StrContains(markdown, "viewers judged: ")) << markdown;
  const nlohmann::json json = nlohmann::json::parse(to_json(*report_));
  EXPECT_EQ(json["rows"].size(), report_->rows.size());
  EXPECT_EQ(json["viewers_judged"], report_->viewers_judged);
  const std::string svg = to_svg(*report_);
  EXPECT_TRUE(absl::StartsWith(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"")) << svg;
  EXPECT_TRUE(absl::EndsWith(svg, "</svg>\n"));
  EXPECT_TRUE(absl::StrContains(svg, ">random</text>"));
}

TEST_F(ReplayEndToEnd, EveryOtherRowHasItsNdcgDifferenceFromTheChronologicalOne) {
  ASSERT_NE(report_, nullptr);
  const ListScores& reference = report_->rows[0];
  EXPECT_FALSE(reference.ndcg_at_10_vs_reference.has_value());
  EXPECT_EQ(reference.viewer_ndcg_at_10.size(), report_->viewers_judged);
  for (std::size_t i = 1; i < report_->rows.size(); ++i) {
    const ListScores& row = report_->rows[i];
    ASSERT_TRUE(row.ndcg_at_10_vs_reference.has_value()) << row.name;
    const DifferenceInterval& interval = *row.ndcg_at_10_vs_reference;
    EXPECT_NEAR(interval.difference, row.ndcg_at_10 - reference.ndcg_at_10, 1e-12) << row.name;
    EXPECT_LE(interval.low, interval.difference) << row.name;
    EXPECT_GE(interval.high, interval.difference) << row.name;
  }
}

TEST(ReplayRun, ComparesWithTheReferenceListNamedAndRefusesAnUnknownName) {
  ReplayOptions options;
  options.source.synthetic = datasets::SyntheticCorpusOptions{100, 600, 3, 20};
  options.max_viewers = 40;
  options.reference_list = "random";
  const auto report = run_replay(options);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->rows.back().name, "random");
  EXPECT_FALSE(report->rows.back().ndcg_at_10_vs_reference.has_value());
  EXPECT_TRUE(report->rows.front().ndcg_at_10_vs_reference.has_value());
  options.reference_list = "chronologcal";
  const auto typo = run_replay(options);
  EXPECT_TRUE(absl::IsInvalidArgument(typo.status())) << typo.status();
  EXPECT_TRUE(absl::StrContains(typo.status().message(), "rows: chronological, algorithmic, "))
      << typo.status();
  // Before anything is loaded: an input that does not exist is not reached.
  options.source = {};
  options.source.jsonl_file = "/nonexistent/replay.jsonl";
  options.vector_spaces = {ranker::VectorSpace::kText, ranker::VectorSpace::kLearned};
  const auto before_loading = run_replay(options);
  EXPECT_TRUE(absl::IsInvalidArgument(before_loading.status())) << before_loading.status();
  EXPECT_TRUE(absl::StrContains(before_loading.status().message(),
                                "algorithmic, algorithmic (learned), popularity"))
      << before_loading.status();
}

// A compared config is served by the engine through the request, as an experiment arm's is: the
// engine's own config compared with itself scores viewer for viewer as the engine's row, and a
// config that orders by recency alone does not.
TEST(ReplayRun, JudgesComparedConfigsAsRowsOfTheirOwnPairedWithAnyRow) {
  ReplayOptions options;
  options.source.synthetic = datasets::SyntheticCorpusOptions{100, 600, 3, 20};
  options.max_viewers = 40;
  const auto same = std::make_shared<const ranker::RankingConfig>(ranker::default_ranking_config());
  auto newest = ranker::default_ranking_config();
  newest.version = "newest-first";
  newest.weights.fill(0.0f);
  newest.weights[static_cast<int>(ranker::Feature::kRecency)] = 10.0f;
  options.compared_configs = {
      {"same", same, "the defaults"},
      {"newest", std::make_shared<const ranker::RankingConfig>(newest), "a test's"}};
  options.reference_list = "algorithmic [same]";
  const auto report = run_replay(options);
  ASSERT_TRUE(report.ok()) << report.status();
  std::vector<std::string> names;
  for (const ListScores& row : report->rows) names.push_back(row.name);
  ASSERT_EQ(names, (std::vector<std::string>{"chronological", "algorithmic", "algorithmic [same]",
                                             "algorithmic [newest]", "popularity",
                                             "recent popularity", "user-kNN", "random"}));
  const ListScores& engines = report->rows[1];
  const ListScores& compared_same = report->rows[2];
  const ListScores& compared_newest = report->rows[3];
  EXPECT_EQ(engines.viewer_ndcg_at_10, compared_same.viewer_ndcg_at_10);
  EXPECT_EQ(engines.coverage, compared_same.coverage);
  ASSERT_TRUE(engines.ndcg_at_10_vs_reference.has_value());
  EXPECT_EQ(engines.ndcg_at_10_vs_reference->difference, 0.0);
  EXPECT_NE(compared_newest.mean_age_hours_at_10, engines.mean_age_hours_at_10);
  EXPECT_LT(compared_newest.mean_age_hours_at_10, engines.mean_age_hours_at_10);
  EXPECT_EQ(report->compared_configs,
            (std::vector<std::string>{
                "algorithmic [same]: ranking config default-2, the defaults",
                "algorithmic [newest]: ranking config newest-first, a test's"}));
  EXPECT_TRUE(absl::StrContains(to_markdown(*report),
                                "- algorithmic [newest]: ranking config newest-first, a test's\n"));
}

TEST(ReplayRun, RefusesComparedConfigsWithoutAConfigOrAUniqueLabel) {
  ReplayOptions options;
  options.source.jsonl_file = "/nonexistent/replay.jsonl";  // refused before loading
  const auto config =
      std::make_shared<const ranker::RankingConfig>(ranker::default_ranking_config());
  options.compared_configs = {{"a", config, ""}, {"a", config, ""}};
  auto twice = run_replay(options);
  EXPECT_TRUE(absl::IsInvalidArgument(twice.status())) << twice.status();
  EXPECT_TRUE(absl::StrContains(twice.status().message(), "compared_configs[1].label"))
      << twice.status();
  options.compared_configs = {{"", config, ""}};
  EXPECT_TRUE(absl::IsInvalidArgument(run_replay(options).status()));
  options.compared_configs = {{"a|b", config, ""}};  // would split a Markdown table's row
  EXPECT_TRUE(absl::IsInvalidArgument(check_replay_options(options)));
  options.compared_configs.clear();
  options.vector_spaces = {ranker::VectorSpace::kText, ranker::VectorSpace::kText};
  EXPECT_TRUE(absl::IsInvalidArgument(check_replay_options(options)));
  options.vector_spaces = {ranker::VectorSpace::kText};
  options.compared_configs = {{"a", nullptr, ""}};
  EXPECT_TRUE(absl::IsInvalidArgument(run_replay(options).status()));
  // A space the replay builds no engine for; the same label in two spaces is two rows.
  options.compared_configs = {{"a", config, "", ranker::VectorSpace::kLearned}};
  auto no_engine = run_replay(options);
  EXPECT_TRUE(absl::IsInvalidArgument(no_engine.status())) << no_engine.status();
  EXPECT_TRUE(absl::StrContains(no_engine.status().message(), "compared_configs[0].space: learned"))
      << no_engine.status();
  options.vector_spaces = {ranker::VectorSpace::kText, ranker::VectorSpace::kLearned};
  options.compared_configs.push_back({"a", config, "", ranker::VectorSpace::kText});
  auto two_spaces = run_replay(options);  // past the checks: fails at loading, NOT_FOUND
  EXPECT_TRUE(absl::IsNotFound(two_spaces.status())) << two_spaces.status();
}

TEST(ReplayRun, UnreadableInputIsAnError) {
  ReplayOptions options;
  options.source.jsonl_file = "/nonexistent/replay.jsonl";
  EXPECT_TRUE(absl::IsNotFound(run_replay(options).status()));
}

}  // namespace
}  // namespace feedrank::replay
