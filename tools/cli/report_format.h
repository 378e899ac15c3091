// How the numbers and words of an experiment report are written, shared by the table and the
// HTML page so that both say the same thing in the same way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/html_escape.h"
#include "feedrank/v1/feedrank.pb.h"

namespace feedrank::cli {

// `value` with exactly `decimals` digits after the point, whatever the global locale.
std::string fixed_decimals(double value, int decimals);

// Rates and shares (engagement_rate, in_network_share, author_diversity, ...) are proportions:
// they read as percentages, and their differences as percentage points.
bool is_proportion_metric(std::string_view metric);

// "12.34%" for proportions, "3.21" otherwise.
std::string format_metric_value(std::string_view metric, double value);

// "12.34% [11.02%, 13.71%]", or "n/a" when the estimate is undefined.
std::string format_estimate(std::string_view metric, const v1::Estimate& estimate);

// "+1.20 pp (+5.1%)" for proportions, "-0.35 (-2.0%)" otherwise; "n/a" when undefined.
std::string format_difference(const v1::MetricComparison& comparison);

// "0.0123", or "<0.0001" for the smallest values.
std::string format_p_value(double p_value);

// "24 h", or "90 min" for windows that are not whole hours.
std::string format_window(std::int64_t window_ms);

// "2024-01-01 .. 2024-01-08 (UTC)", or "nothing served" when no impression was logged.
std::string format_served_period(const v1::GetExperimentReportResponse& report);

// What an arm or a team serves, or "(not configured)" when the config no longer says (empty).
std::string described_or_unknown(const std::string& description);

// The metrics the arms report, in the order the first arm lists them (then any only later arms
// have): the rows of the metrics table and the charts.
std::vector<std::string> reported_metrics(const v1::GetExperimentReportResponse& report);

// The arm's estimate of `metric`, or nullptr when it has none.
const v1::Estimate* find_estimate(const v1::ArmReport& arm, std::string_view metric);

// The comparison of `arm` with the baseline on `metric`, or nullptr (the baseline itself).
const v1::MetricComparison* find_comparison(const v1::GetExperimentReportResponse& report,
                                            std::string_view arm, std::string_view metric);

// html_escape (text made safe for HTML content and attribute values) is common/html_escape.h's.
using feedrank::html_escape;

}  // namespace feedrank::cli
