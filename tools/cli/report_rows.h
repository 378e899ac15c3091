// The experiment report's tables as rows of plain text, header row first: the terminal table
// pads them into columns, the HTML page escapes them into <table>s, so both show the same cells.
#pragma once

#include <string>
#include <vector>

#include "feedrank/v1/feedrank.pb.h"

namespace feedrank::cli {

using TextRows = std::vector<std::vector<std::string>>;

// ARM, VARIANT, VIEWERS, PAGES, IMPRESSIONS, then attributed VIEWS..SHARES and UNATTRIBUTED.
TextRows arm_rows(const v1::GetExperimentReportResponse& report);

// METRIC, then one column per arm: "value [ci_low, ci_high]" or "n/a".
TextRows metric_rows(const v1::GetExperimentReportResponse& report);

// METRIC, ARM ("treatment vs control"), DIFFERENCE, P-VALUE, SIGNIFICANT ("significant" or "-"),
// one row per comparison in the report's order.
TextRows comparison_rows(const v1::GetExperimentReportResponse& report);

// ARM, TEAM A, TEAM B, VIEWERS, WINS A, TIES, WINS B, ENGAGEMENTS A/B, P-VALUE, one row per
// interleaved arm in the report's order.
TextRows interleaving_rows(const v1::GetExperimentReportResponse& report);

}  // namespace feedrank::cli
