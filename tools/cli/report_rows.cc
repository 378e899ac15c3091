#include "tools/cli/report_rows.h"

#include "tools/cli/report_format.h"

namespace feedrank::cli {
TextRows arm_rows(const v1::GetExperimentReportResponse& report) {
  TextRows rows{{"ARM", "VARIANT", "VIEWERS", "PAGES", "IMPRESSIONS", "VIEWS", "LIKES", "COMMENTS",
                 "SHARES", "UNATTRIBUTED"}};
  for (const v1::ArmReport& arm : report.arms()) {
    rows.push_back({arm.arm(), described_or_unknown(arm.variant()), std::to_string(arm.viewers()),
                    std::to_string(arm.pages()), std::to_string(arm.impressions()),
                    std::to_string(arm.views()), std::to_string(arm.likes()),
                    std::to_string(arm.comments()), std::to_string(arm.shares()),
                    std::to_string(arm.unattributed())});
  }
  return rows;
}

TextRows metric_rows(const v1::GetExperimentReportResponse& report) {
  TextRows rows{{"METRIC"}};
  for (const v1::ArmReport& arm : report.arms()) rows[0].push_back(arm.arm());
  for (const std::string& metric : reported_metrics(report)) {
    std::vector<std::string>& row = rows.emplace_back(std::vector<std::string>{metric});
    for (const v1::ArmReport& arm : report.arms()) {
      const v1::Estimate* estimate = find_estimate(arm, metric);
      row.push_back(estimate == nullptr ? "n/a" : format_estimate(metric, *estimate));
    }
  }
  return rows;
}

TextRows comparison_rows(const v1::GetExperimentReportResponse& report) {
  TextRows rows{{"METRIC", "ARM", "DIFFERENCE", "P-VALUE", "SIGNIFICANT"}};
  for (const v1::MetricComparison& comparison : report.comparisons()) {
    rows.push_back({comparison.metric(), comparison.arm() + " vs " + comparison.baseline(),
                    format_difference(comparison),
                    comparison.defined() ? format_p_value(comparison.p_value()) : "n/a",
                    comparison.significant() ? "significant" : "-"});
  }
  return rows;
}

TextRows interleaving_rows(const v1::GetExperimentReportResponse& report) {
  TextRows rows{{"ARM", "TEAM A", "TEAM B", "VIEWERS", "WINS A", "TIES", "WINS B",
                 "ENGAGEMENTS A/B", "P-VALUE"}};
  for (const v1::InterleavingResult& result : report.interleaving()) {
    rows.push_back(
        {result.arm(), described_or_unknown(result.team_a()), described_or_unknown(result.team_b()),
         std::to_string(result.viewers()), std::to_string(result.wins_a()),
         std::to_string(result.ties()), std::to_string(result.wins_b()),
         std::to_string(result.engagements_a()) + "/" + std::to_string(result.engagements_b()),
         format_p_value(result.p_value())});
  }
  return rows;
}

}  // namespace feedrank::cli
