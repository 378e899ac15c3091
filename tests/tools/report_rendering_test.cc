#include "tools/cli/report_rendering.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace feedrank::cli {
namespace {

constexpr char kOddArm[] = "treat<&>ment";

void add_metric(v1::ArmReport& arm, const std::string& name, double value, double low,
                double high) {
  v1::ArmMetric* metric = arm.add_metrics();
  metric->set_name(name);
  v1::Estimate* estimate = metric->mutable_estimate();
  estimate->set_defined(true);
  estimate->set_value(value);
  estimate->set_ci_low(low);
  estimate->set_ci_high(high);
  estimate->set_viewers(arm.viewers());
}

void add_undefined_metric(v1::ArmReport& arm, const std::string& name) {
  v1::ArmMetric* metric = arm.add_metrics();
  metric->set_name(name);
  metric->mutable_estimate()->set_defined(false);
}

v1::ArmReport* add_arm(v1::GetExperimentReportResponse& report, const std::string& name,
                       const std::string& variant, std::uint64_t viewers) {
  v1::ArmReport* arm = report.add_arms();
  arm->set_arm(name);
  arm->set_variant(variant);
  arm->set_viewers(viewers);
  arm->set_pages(3 * viewers);
  arm->set_impressions(60 * viewers);
  arm->set_likes(viewers / 2);
  return arm;
}

void add_comparison(v1::GetExperimentReportResponse& report, const std::string& metric,
                    double difference, double relative, double p_value, bool significant) {
  v1::MetricComparison* comparison = report.add_comparisons();
  comparison->set_metric(metric);
  comparison->set_arm(kOddArm);
  comparison->set_baseline("control");
  comparison->set_defined(true);
  comparison->set_difference(difference);
  comparison->set_relative(relative);
  comparison->set_p_value(p_value);
  comparison->set_significant(significant);
}

// A control, a treatment whose name needs escaping, an interleaved arm; engagement_rate differs
// significantly, engaged_position does not; the interleaved arm's engaged_position is undefined.
v1::GetExperimentReportResponse sample_report() {
  v1::GetExperimentReportResponse report;
  report.set_experiment("ranking-v2");
  report.set_attribution_window_ms(24 * 3'600'000LL);
  report.set_first_served_ms(1704067200000);  // 2024-01-01
  report.set_last_served_ms(1704672000000);   // 2024-01-08
  report.set_attributed_engagements(1234);
  report.set_unattributed_engagements(56);
  report.set_method("Viewers are the unit.");

  v1::ArmReport* control = add_arm(report, "control", "chronological", 500);
  add_metric(*control, "engagement_rate", 0.1, 0.09, 0.11);
  add_metric(*control, "engaged_position", 4.5, 4.0, 5.0);
  v1::ArmReport* treatment = add_arm(report, kOddArm, "algorithmic (ranking config <v2>)", 480);
  add_metric(*treatment, "engagement_rate", 0.125, 0.1149, 0.1351);
  add_metric(*treatment, "engaged_position", 4.25, 3.5, 5.0);
  v1::ArmReport* interleaved = add_arm(report, "mixed", "interleaved", 300);
  add_metric(*interleaved, "engagement_rate", 0.11, 0.1, 0.12);
  add_undefined_metric(*interleaved, "engaged_position");

  add_comparison(report, "engagement_rate", 0.025, 0.25, 0.00001, true);
  add_comparison(report, "engaged_position", -0.25, -0.0556, 0.42, false);

  v1::InterleavingResult* result = report.add_interleaving();
  result->set_arm("mixed");
  result->set_team_a("chronological");
  result->set_team_b("algorithmic");
  result->set_viewers(300);
  result->set_wins_a(100);
  result->set_ties(80);
  result->set_wins_b(120);
  result->set_engagements_a(400);
  result->set_engagements_b(450);
  result->set_p_value(0.2);
  return report;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

std::size_t count(std::string_view text, std::string_view part) {
  std::size_t found = 0;
  for (std::size_t at = text.find(part); at != std::string_view::npos;
       at = text.find(part, at + 1)) {
    ++found;
  }
  return found;
}

// The line of `text` that starts with `start` (empty when none does).
std::string line_starting(const std::string& text, std::string_view start) {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    if (std::string_view(text).substr(at, end - at).starts_with(start)) {
      return text.substr(at, end - at);
    }
    at = end + 1;
  }
  return "";
}

TEST(ReportTable, SummarisesTheExperimentAndEachArm) {
  const std::string table = report_table(sample_report());
  EXPECT_TRUE(contains(table, "experiment: ranking-v2")) << table;
  EXPECT_TRUE(contains(table, "attribution window: 24 h")) << table;
  EXPECT_TRUE(contains(table, "2024-01-01 .. 2024-01-08 (UTC)")) << table;
  EXPECT_TRUE(contains(table, "1234 attributed, 56 unattributed")) << table;
  EXPECT_TRUE(contains(table, "Viewers are the unit.")) << table;
  EXPECT_TRUE(contains(table, "arm control: chronological")) << table;
  EXPECT_TRUE(contains(table, std::string("arm ") + kOddArm + ": algorithmic")) << table;
  EXPECT_TRUE(contains(table, "arm mixed: interleaved")) << table;
  EXPECT_TRUE(contains(table, "viewers 480, pages 1440, impressions 28800")) << table;
}

TEST(ReportTable, ShowsEveryMetricPerArmWithItsInterval) {
  const std::string table = report_table(sample_report());
  const std::string rate = line_starting(table, "engagement_rate ");
  EXPECT_TRUE(contains(rate, "10.00% [9.00%, 11.00%]")) << table;
  EXPECT_TRUE(contains(rate, "12.50% [11.49%, 13.51%]")) << table;
  EXPECT_TRUE(contains(rate, "11.00% [10.00%, 12.00%]")) << table;
  const std::string position = line_starting(table, "engaged_position ");
  EXPECT_TRUE(contains(position, "4.50 [4.00, 5.00]")) << table;
  EXPECT_TRUE(contains(position, "4.25 [3.50, 5.00]")) << table;
  EXPECT_TRUE(position.ends_with("n/a")) << table;  // the interleaved arm's, undefined
}

TEST(ReportTable, ComparesWithTheBaselineAndSaysWhatIsSignificant) {
  const std::string report = report_table(sample_report());
  const std::string table = report.substr(report.find("COMPARISONS"));
  const std::string rate = line_starting(table, "engagement_rate ");
  EXPECT_TRUE(contains(rate, "treat<&>ment vs control")) << table;
  EXPECT_TRUE(contains(rate, "+2.50 pp (+25.0%)")) << table;
  EXPECT_TRUE(contains(rate, "<0.0001")) << table;
  EXPECT_TRUE(rate.ends_with("significant")) << table;
  const std::string position = line_starting(table, "engaged_position ");
  EXPECT_TRUE(contains(position, "-0.25 (-5.6%)")) << table;
  EXPECT_TRUE(contains(position, "0.4200")) << table;
  EXPECT_TRUE(position.ends_with("-")) << table;
}

TEST(ReportTable, ShowsInterleavingWinsPerTeam) {
  const std::string table = report_table(sample_report());
  const std::string mixed = line_starting(table, "mixed ");
  for (const char* part :
       {"chronological", "algorithmic", "300", "100", "80", "120", "400/450", "0.2000"}) {
    EXPECT_TRUE(contains(mixed, part)) << part << "\n" << table;
  }
}

TEST(ReportTable, SaysWhenNothingWasServed) {
  v1::GetExperimentReportResponse empty;
  empty.set_experiment("idle");
  const std::string table = report_table(empty);
  EXPECT_TRUE(contains(table, "served: nothing served")) << table;
  EXPECT_FALSE(contains(table, "COMPARISONS")) << table;
  EXPECT_FALSE(contains(table, "INTERLEAVING")) << table;
}

TEST(ReportJson, IsTheProtoJsonMappingWithProtoFieldNames) {
  const auto json = nlohmann::json::parse(report_json(sample_report()));
  EXPECT_EQ(json["experiment"], "ranking-v2");
  EXPECT_EQ(json["attribution_window_ms"], "86400000");  // 64-bit integers are strings
  ASSERT_EQ(json["arms"].size(), 3u);
  EXPECT_EQ(json["arms"][1]["arm"], kOddArm);
  EXPECT_EQ(json["arms"][1]["metrics"][0]["estimate"]["ci_low"], 0.1149);
  EXPECT_EQ(json["arms"][2]["metrics"][1]["estimate"]["defined"], false);
  EXPECT_EQ(json["arms"][0]["comments"], "0");  // zero counts are still keys
  EXPECT_EQ(json["comparisons"][0]["significant"], true);
  EXPECT_EQ(json["comparisons"][1]["p_value"], 0.42);
  EXPECT_EQ(json["interleaving"][0]["wins_b"], "120");
  EXPECT_TRUE(json.contains("unattributed_engagements"));
}

TEST(ReportHtml, IsOneSelfContainedPage) {
  const std::string html = report_html(sample_report());
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_TRUE(contains(html, "<title>Experiment report: ranking-v2</title>"));
  EXPECT_TRUE(contains(html, "<style>"));
  EXPECT_FALSE(contains(html, "http://"));
  EXPECT_FALSE(contains(html, "https://"));
  EXPECT_FALSE(contains(html, "<script"));
  EXPECT_TRUE(html.ends_with("</html>\n"));
}

TEST(ReportHtml, DrawsOneChartPerMetricAndPerInterleavedArm) {
  const std::string html = report_html(sample_report());
  EXPECT_EQ(count(html, "<svg"), 2u + 1u) << html;  // two metrics, one interleaved arm
  EXPECT_EQ(count(html, "</svg>"), 3u);
  EXPECT_TRUE(contains(html, "<line"));  // the intervals' error bars
  EXPECT_TRUE(contains(html, "team A wins: 100 (33%)")) << html;
  EXPECT_TRUE(contains(html, "team B wins: 120 (40%)")) << html;
}

TEST(ReportHtml, EscapesTextFromTheReport) {
  const std::string html = report_html(sample_report());
  EXPECT_FALSE(contains(html, kOddArm));
  EXPECT_FALSE(contains(html, "<v2>"));
  EXPECT_TRUE(contains(html, "treat&lt;&amp;&gt;ment"));
  EXPECT_TRUE(contains(html, "ranking config &lt;v2&gt;"));
}

TEST(ReportHtml, MarksTheSignificantComparisonOnly) {
  const std::string html = report_html(sample_report());
  EXPECT_EQ(count(html, "<tr class=\"significant\">"), 1u) << html;
  EXPECT_TRUE(contains(html, "<tr class=\"significant\"><td>engagement_rate</td>")) << html;
  EXPECT_TRUE(contains(html, "significantly different from the baseline")) << html;
  EXPECT_TRUE(contains(html, "12.50% [11.49%, 13.51%] *")) << html;
  EXPECT_FALSE(contains(html, "4.25 [3.50, 5.00] *")) << html;
  EXPECT_TRUE(contains(html, "n/a"));
}

}  // namespace
}  // namespace feedrank::cli
