// A list source that fails makes its row unavailable, and every report renders such a row as
// "not available (...)" beside the ordinary ones.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
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

}  // namespace
}  // namespace feedrank::replay
