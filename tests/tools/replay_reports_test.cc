// A list source that fails makes its row unavailable, and every report renders such a row as
// "not available (...)" beside the ordinary ones; the reports show each row's NDCG@10 against the
// reference row and the cut's counts of undated records.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "tools/replay/reference_comparison.h"
#include "tools/replay/report_json.h"
#include "tools/replay/report_markdown.h"
#include "tools/replay/report_svg.h"
#include "tools/replay/source_scoring.h"

namespace feedrank::replay {
namespace {

// Fails like the engine's algorithmic mode before it exists; or serves `list` to everyone.
class FixedSource final : public ListSource {
 public:
  explicit FixedSource(absl::StatusOr<std::vector<PostId>> list) : list_(std::move(list)) {}
  std::string name() const override { return "fixed"; }
  absl::StatusOr<std::vector<PostId>> list_for(UserId, int) const override { return list_; }

 private:
  absl::StatusOr<std::vector<PostId>> list_;
};

TEST(ReplaySourceScoring, AnErrorMakesTheRowUnavailableWithItsCodeAndMessage) {
  PreCutState state;
  state.posts[1] = {9, 0};
  const absl::flat_hash_map<UserId, PostSet> truth = {{5, {1}}, {6, {1}}};
  const ListScores failed =
      score_list_source(FixedSource(absl::UnimplementedError("mode: ALGORITHMIC is not built")),
                        state, truth, {5, 6}, 50);
  EXPECT_EQ(failed.name, "fixed");
  EXPECT_EQ(failed.unavailable, "UNIMPLEMENTED: mode: ALGORITHMIC is not built");
  const ListScores served =
      score_list_source(FixedSource(std::vector<PostId>{1}), state, truth, {5, 6}, 50);
  EXPECT_TRUE(served.unavailable.empty());
  EXPECT_EQ(served.viewers, 2u);
  EXPECT_DOUBLE_EQ(served.hit_rate_at_10, 1.0);
}

// Scored viewer by viewer, the same list under two names differs by exactly nothing.
TEST(ReplaySourceScoring, TwoIdenticalListsDifferFromEachOtherByExactlyZero) {
  PreCutState state;
  for (PostId post : {1, 2, 3}) state.posts[post] = {9, 0};
  const absl::flat_hash_map<UserId, PostSet> truth = {{5, {1}}, {6, {3}}, {7, {2, 3}}};
  const FixedSource same(std::vector<PostId>{3, 1});
  std::vector<ListScores> rows = {score_list_source(same, state, truth, {5, 6, 7}, 50),
                                  score_list_source(same, state, truth, {5, 6, 7}, 50)};
  ASSERT_EQ(rows[0].viewer_ndcg_at_10.size(), 3u);
  EXPECT_DOUBLE_EQ(rows[0].viewer_ndcg_at_10[1], 1.0);  // viewer 6: 3 at rank 1
  compare_with_reference(rows, 0, 1);
  ASSERT_TRUE(rows[1].ndcg_at_10_vs_reference.has_value());
  EXPECT_EQ(*rows[1].ndcg_at_10_vs_reference, (DifferenceInterval{0, 0, 0}));
}

ReplayReport report_with_an_unavailable_row() {
  ReplayReport report;
  report.source = "test data <&>";
  report.viewers_judged = 3;
  ListScores chronological;
  chronological.name = "chronological";
  chronological.viewers = 3;
  chronological.ndcg_at_10 = 0.25;
  chronological.recall_at_k = 0.5;
  ListScores algorithmic;
  algorithmic.name = "algorithmic";
  algorithmic.unavailable = "UNIMPLEMENTED: not yet";
  report.rows = {chronological, algorithmic};
  return report;
}

TEST(ReplayReports, MarkdownPrintsTheRowAsNotAvailable) {
  const std::string markdown = to_markdown(report_with_an_unavailable_row());
  EXPECT_TRUE(
      absl::StrContains(markdown, "| algorithmic | not available (UNIMPLEMENTED: not yet) |"))
      << markdown;
  EXPECT_TRUE(absl::StrContains(markdown, "| chronological | 0.2500 | ")) << markdown;
  EXPECT_TRUE(absl::StrContains(markdown, "| list | NDCG@10 | hit rate@10 | recall@10 | recall@50"))
      << markdown;
}

TEST(ReplayReports, JsonHasNoMetricsForTheUnavailableRow) {
  const nlohmann::json json = nlohmann::json::parse(to_json(report_with_an_unavailable_row()));
  ASSERT_EQ(json["rows"].size(), 2u);
  EXPECT_EQ(json["rows"][0]["ndcg_at_10"], 0.25);
  EXPECT_EQ(json["rows"][1]["unavailable"], "UNIMPLEMENTED: not yet");
  EXPECT_FALSE(json["rows"][1].contains("ndcg_at_10"));
}

TEST(ReplayReports, SvgMarksTheUnavailableRowAndEscapesText) {
  const std::string svg = to_svg(report_with_an_unavailable_row());
  EXPECT_TRUE(absl::StrContains(svg, ">n/a</text>")) << svg;
  EXPECT_TRUE(absl::StrContains(svg, "test data &lt;&amp;&gt;")) << svg;
  EXPECT_FALSE(absl::StrContains(svg, "<&>"));
  EXPECT_TRUE(absl::StrContains(svg, ">0.250</text>")) << svg;  // the chronological NDCG bar
}

ReplayReport report_with_a_comparison() {
  ReplayReport report = report_with_an_unavailable_row();
  ListScores popularity;
  popularity.name = "popularity";
  popularity.viewers = 3;
  popularity.ndcg_at_10_vs_reference = DifferenceInterval{0.05, 0.01, 0.09};
  report.rows.push_back(popularity);
  report.counts.undated_before_cut = 4;
  report.counts.deletes_after_cut = 2;
  return report;
}

TEST(ReplayReports, MarkdownShowsEachRowAgainstTheReferenceWithItsInterval) {
  const std::string markdown = to_markdown(report_with_a_comparison());
  EXPECT_TRUE(absl::StrContains(markdown, "| viewers | NDCG@10 vs chronological [95% CI] |\n"))
      << markdown;
  EXPECT_TRUE(absl::StrContains(markdown, "| 3 | reference |\n")) << markdown;
  EXPECT_TRUE(absl::StrContains(markdown, "| 3 | +0.0500 [+0.0100, +0.0900] |\n")) << markdown;
  EXPECT_TRUE(absl::StrContains(markdown, "paired bootstrap 95% interval")) << markdown;
  // The unavailable row keeps the table's shape: one cell per column.
  const std::size_t header = markdown.find("| list |");
  const std::string header_line = markdown.substr(header, markdown.find('\n', header) - header);
  const std::size_t row = markdown.find("| algorithmic |");
  const std::string row_line = markdown.substr(row, markdown.find('\n', row) - row);
  EXPECT_EQ(std::count(row_line.begin(), row_line.end(), '|'),
            std::count(header_line.begin(), header_line.end(), '|'));
}

TEST(ReplayReports, MarkdownSaysWhyThereAreNoIntervalsWhenTheReferenceRowIsNotAvailable) {
  ReplayReport report = report_with_a_comparison();
  report.options.reference_list = "algorithmic";
  const std::string markdown = to_markdown(report);
  EXPECT_TRUE(absl::StrContains(markdown,
                                "- NDCG@10 vs algorithmic: no intervals, the algorithmic row is not "
                                "available on this data (UNIMPLEMENTED: not yet)"))
      << markdown;
  EXPECT_FALSE(absl::StrContains(markdown, "paired bootstrap 95% interval")) << markdown;
}

TEST(ReplayReports, JsonHasEachRowsIntervalAgainstTheReference) {
  const nlohmann::json json = nlohmann::json::parse(to_json(report_with_a_comparison()));
  EXPECT_EQ(json["reference_list"], "chronological");
  EXPECT_FALSE(json["rows"][0].contains("ndcg_at_10_vs_reference"));
  const nlohmann::json& interval = json["rows"][2]["ndcg_at_10_vs_reference"];
  EXPECT_EQ(interval["difference"], 0.05);
  EXPECT_EQ(interval["ci95_low"], 0.01);
  EXPECT_EQ(interval["ci95_high"], 0.09);
}

TEST(ReplayReports, BothReportsNameThePositiveKinds) {
  ReplayReport report = report_with_a_comparison();
  EXPECT_TRUE(absl::StrContains(to_markdown(report),
                                "engagement kinds that make ground truth: every kind"));
  EXPECT_EQ(nlohmann::json::parse(to_json(report))["positive_kinds"], nlohmann::json::array());
  report.options.positive_kinds.kinds = {v1::ENGAGEMENT_KIND_LIKE, v1::ENGAGEMENT_KIND_SHARE};
  EXPECT_TRUE(absl::StrContains(to_markdown(report),
                                "engagement kinds that make ground truth: like, share"));
  EXPECT_EQ(nlohmann::json::parse(to_json(report))["positive_kinds"],
            (std::vector<std::string>{"like", "share"}));
}

TEST(ReplayReports, BothReportsCountUndatedRecordsInTheHistoryAndDeletesAfterTheCut) {
  const ReplayReport report = report_with_a_comparison();
  const std::string markdown = to_markdown(report);
  EXPECT_TRUE(absl::StrContains(markdown, "(4 of the unfollows and deletes undated")) << markdown;
  EXPECT_TRUE(absl::StrContains(markdown, "0 posts, 2 deletes, 0 engagements; dropped"))
      << markdown;
  const nlohmann::json json = nlohmann::json::parse(to_json(report));
  EXPECT_EQ(json["history"]["undated_unfollows_and_deletes"], 4);
  EXPECT_EQ(json["after_cut"]["deletes"], 2);
}

}  // namespace
}  // namespace feedrank::replay
