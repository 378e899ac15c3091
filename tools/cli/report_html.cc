// report_html: the experiment report as one self-contained page. The style is inline and the
// charts are inline SVG (report_svg.h); there is no script and no URL, so the page opens offline
// and can be attached to a review as it is.
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "tools/cli/report_format.h"
#include "tools/cli/report_rendering.h"
#include "tools/cli/report_rows.h"
#include "tools/cli/report_svg.h"

namespace feedrank::cli {
namespace {

constexpr char kStyle[] = R"css(
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 2em auto; max-width: 1100px;
       padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5em 0; display: block; overflow-x: auto; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #e4e4e4; text-align: left;
         white-space: nowrap; font-variant-numeric: tabular-nums; }
th { background: #f4f4f4; white-space: normal; }
tr.significant td { background: #fdebd9; font-weight: bold; }
.method, .legend { color: #555; max-width: 60em; }
.key { display: inline-block; width: 0.9em; height: 0.9em; vertical-align: middle; }
figure { margin: 1em 0; } figcaption { font-weight: bold; margin-bottom: 0.2em; }
svg text { font: 12px system-ui, sans-serif; fill: #222; }
)css";

// `rows` (header first) as a <table>; data row i gets the class row_classes[i] when non-empty.
std::string html_table(const TextRows& rows, const std::vector<std::string>& row_classes = {}) {
  std::string html = "<table>\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const std::string cell_tag = r == 0 ? "th" : "td";
    const bool has_class = r > 0 && r - 1 < row_classes.size() && !row_classes[r - 1].empty();
    html += has_class ? "<tr class=\"" + row_classes[r - 1] + "\">" : "<tr>";
    for (const std::string& cell : rows[r]) {
      html += "<" + cell_tag + ">" + html_escape(cell) + "</" + cell_tag + ">";
    }
    html += "</tr>\n";
  }
  return html + "</table>\n";
}

std::string head(const v1::GetExperimentReportResponse& report) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
         "Experiment report: " +
         html_escape(report.experiment()) + "</title>\n<style>" + kStyle +
         "</style>\n</head>\n<body>\n";
}

std::string summary(const v1::GetExperimentReportResponse& report) {
  return "<h1>Experiment report: " + html_escape(report.experiment()) + "</h1>\n<ul>\n" +
         "<li>Served: " + html_escape(format_served_period(report)) + "</li>\n" +
         "<li>Attribution window: " + html_escape(format_window(report.attribution_window_ms())) +
         " (engagements this long after an impression are credited to it)</li>\n" +
         "<li>Engagements: " + std::to_string(report.attributed_engagements()) + " attributed, " +
         std::to_string(report.unattributed_engagements()) + " unattributed</li>\n</ul>\n" +
         "<p class=\"method\">" + html_escape(report.method()) + "</p>\n";
}

std::string arms_section(const v1::GetExperimentReportResponse& report) {
  return "<h2>Arms</h2>\n" + html_table(arm_rows(report));
}

// The metrics table, then one chart per metric.
std::string metrics_section(const v1::GetExperimentReportResponse& report) {
  std::string html = "<h2>Metrics (value [95% confidence interval])</h2>\n" +
                     html_table(metric_rows(report)) +
                     "<p class=\"legend\">Bars: the estimate; whiskers: its 95% confidence "
                     "interval; <span class=\"key\" style=\"background:" +
                     std::string(kSignificantColour) +
                     "\"></span> and *: significantly different from the first arm.</p>\n";
  for (const std::string& metric : reported_metrics(report)) {
    html += "<figure><figcaption>" + html_escape(metric) + "</figcaption>\n" +
            metric_chart_svg(report, metric) + "\n</figure>\n";
  }
  return html;
}

std::string comparisons_section(const v1::GetExperimentReportResponse& report) {
  if (report.comparisons_size() == 0) return "";
  std::vector<std::string> row_classes;
  for (const v1::MetricComparison& comparison : report.comparisons()) {
    row_classes.push_back(comparison.significant() ? "significant" : "");
  }
  return "<h2>Comparisons with the first arm</h2>\n<p class=\"legend\">Two-sided z-tests; "
         "significant at 5% after Holm's correction over all comparisons.</p>\n" +
         html_table(comparison_rows(report), row_classes);
}

std::string interleaving_figure(const v1::InterleavingResult& result) {
  const std::string caption =
      result.arm() + ": team A (" + described_or_unknown(result.team_a()) + ") won " +
      std::to_string(result.wins_a()) + ", " + std::to_string(result.ties()) + " tied, team B (" +
      described_or_unknown(result.team_b()) + ") won " + std::to_string(result.wins_b()) + " of " +
      std::to_string(result.viewers()) + " viewers; p = " + format_p_value(result.p_value());
  return "<figure><figcaption>" + html_escape(caption) + "</figcaption>\n" +
         interleaving_chart_svg(result) + "\n</figure>\n";
}

std::string interleaving_section(const v1::GetExperimentReportResponse& report) {
  if (report.interleaving_size() == 0) return "";
  std::string html =
      "<h2>Interleaving</h2>\n<p class=\"legend\">Per viewer, the team whose items got more "
      "attributed engagements wins; exact two-sided sign test on the wins.</p>\n" +
      html_table(interleaving_rows(report));
  for (const v1::InterleavingResult& result : report.interleaving()) {
    html += interleaving_figure(result);
  }
  return html;
}

}  // namespace

std::string report_html(const v1::GetExperimentReportResponse& report) {
  return head(report) + summary(report) + arms_section(report) + metrics_section(report) +
         comparisons_section(report) + interleaving_section(report) + "</body>\n</html>\n";
}

bool write_report_html(const std::filesystem::path& path,
                       const v1::GetExperimentReportResponse& report) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << report_html(report);
  file.close();
  if (!file) {
    std::cerr << "error: cannot write " << path.string() << "\n";
    return false;
  }
  std::cerr << "report page written to " << path.string() << "\n";
  return true;
}

}  // namespace feedrank::cli
