// report_table and report_json: the experiment report for terminals and for scripts.
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "tools/cli/report_format.h"
#include "tools/cli/report_rendering.h"
#include "tools/cli/report_rows.h"

namespace feedrank::cli {
namespace {

// Columns a terminal gives the text: UTF-8 continuation bytes take none.
std::size_t display_width(std::string_view text) {
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

// Cells padded to their column's widest, two spaces apart.
void write_aligned(const TextRows& rows, std::ostream& out) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (std::size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(row[c]));
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c > 0) line += "  ";
      line += row[c];
      line.append(widths[c] - display_width(row[c]), ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << "\n";
  }
}

void write_summary(const v1::GetExperimentReportResponse& report, std::ostream& out) {
  out << "experiment: " << report.experiment() << "\n"
      << "attribution window: " << format_window(report.attribution_window_ms()) << "\n"
      << "served: " << format_served_period(report) << "\n"
      << "engagements: " << report.attributed_engagements() << " attributed, "
      << report.unattributed_engagements() << " unattributed\n"
      << "method: " << report.method() << "\n";
}

void write_arm(const v1::ArmReport& arm, std::ostream& out) {
  out << "\narm " << arm.arm() << ": " << described_or_unknown(arm.variant()) << "\n"
      << "  viewers " << arm.viewers() << ", pages " << arm.pages() << ", impressions "
      << arm.impressions() << "\n"
      << "  attributed: views " << arm.views() << ", likes " << arm.likes() << ", comments "
      << arm.comments() << ", shares " << arm.shares() << "; unattributed " << arm.unattributed()
      << "\n";
}

// Rows = metrics, columns = arms, each cell the estimate with its 95% interval.
void write_metrics(const v1::GetExperimentReportResponse& report, std::ostream& out) {
  out << "\nMETRICS (value [95% CI])\n";
  write_aligned(metric_rows(report), out);
}

void write_comparisons(const v1::GetExperimentReportResponse& report, std::ostream& out) {
  if (report.comparisons_size() == 0) return;
  out << "\nCOMPARISONS (each arm vs the first; significant at 5% after Holm's correction)\n";
  write_aligned(comparison_rows(report), out);
}

void write_interleaving(const v1::GetExperimentReportResponse& report, std::ostream& out) {
  if (report.interleaving_size() == 0) return;
  out << "\nINTERLEAVING (per viewer, the team with more attributed engagements wins)\n";
  write_aligned(interleaving_rows(report), out);
}

}  // namespace

std::string report_table(const v1::GetExperimentReportResponse& report) {
  std::ostringstream out;
  write_summary(report, out);
  for (const v1::ArmReport& arm : report.arms()) write_arm(arm, out);
  write_metrics(report, out);
  write_comparisons(report, out);
  write_interleaving(report, out);
  return out.str();
}

std::string report_json(const v1::GetExperimentReportResponse& report) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;  // a zero count is still a key scripts can read
  options.preserve_proto_field_names = true;     // the names the proto documents
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(report, &json, options);
  // Printing fails only on messages the runtime could not have parsed: a failure is a bug.
  if (!status.ok()) throw std::logic_error("report_json: " + std::string(status.message()));
  return json;
}

}  // namespace feedrank::cli
