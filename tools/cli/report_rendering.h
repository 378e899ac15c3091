// An experiment report (GetExperimentReport's answer) as people read it: a plain-text table, one
// JSON object (protobuf's JSON mapping, so the JSON is the proto's) and a self-contained HTML page
// with charts drawn as inline SVG (no script, no CDN: it opens offline).
#pragma once

#include <filesystem>
#include <string>

#include "feedrank/v1/feedrank.pb.h"

namespace feedrank::cli {

std::string report_table(const v1::GetExperimentReportResponse& report);
std::string report_json(const v1::GetExperimentReportResponse& report);
std::string report_html(const v1::GetExperimentReportResponse& report);

// Writes report_html to `path` and says so on stderr (stdout stays the table or the JSON);
// false, with the error on stderr, when the file cannot be written.
bool write_report_html(const std::filesystem::path& path,
                       const v1::GetExperimentReportResponse& report);

}  // namespace feedrank::cli
