#include "tools/cli/report_format.h"

#include <algorithm>
#include <cmath>
#include <locale>
#include <sstream>

#include "tools/cli/time_format.h"

namespace feedrank::cli {
namespace {

constexpr int kProportionDecimals = 2;  // of a percentage: 0.05% still shows
constexpr int kMeanDecimals = 2;        // positions, ages, engagements per viewer
constexpr int kRelativeDecimals = 1;
constexpr int kPValueDecimals = 4;
constexpr double kSmallestPrintedPValue = 1e-4;

std::string signed_decimals(double value, int decimals) {
  return (value >= 0 ? "+" : "") + fixed_decimals(value, decimals);
}

}  // namespace

std::string fixed_decimals(double value, int decimals) {
  std::ostringstream text;
  text.imbue(std::locale::classic());  // a decimal point, never a comma, also in SVG coordinates
  text.setf(std::ios::fixed);
  text.precision(decimals);
  text << value;
  return text.str();
}

bool is_proportion_metric(std::string_view metric) {
  return metric.ends_with("_rate") || metric.ends_with("_share") || metric == "author_diversity";
}

std::string format_metric_value(std::string_view metric, double value) {
  if (is_proportion_metric(metric)) return fixed_decimals(100 * value, kProportionDecimals) + "%";
  return fixed_decimals(value, kMeanDecimals);
}

std::string format_estimate(std::string_view metric, const v1::Estimate& estimate) {
  if (!estimate.defined()) return "n/a";
  return format_metric_value(metric, estimate.value()) + " [" +
         format_metric_value(metric, estimate.ci_low()) + ", " +
         format_metric_value(metric, estimate.ci_high()) + "]";
}

std::string format_difference(const v1::MetricComparison& comparison) {
  if (!comparison.defined()) return "n/a";
  std::string text =
      is_proportion_metric(comparison.metric())
          ? signed_decimals(100 * comparison.difference(), kProportionDecimals) + " pp"
          : signed_decimals(comparison.difference(), kMeanDecimals);
  // A baseline of zero has no relative change.
  if (std::isfinite(comparison.relative())) {
    text += " (" + signed_decimals(100 * comparison.relative(), kRelativeDecimals) + "%)";
  }
  return text;
}

std::string format_p_value(double p_value) {
  if (p_value < kSmallestPrintedPValue) return "<" + fixed_decimals(kSmallestPrintedPValue, 4);
  return fixed_decimals(p_value, kPValueDecimals);
}

std::string format_window(std::int64_t window_ms) {
  constexpr std::int64_t kMinuteMs = 60'000;
  constexpr std::int64_t kHourMs = 60 * kMinuteMs;
  if (window_ms % kHourMs == 0) return std::to_string(window_ms / kHourMs) + " h";
  return std::to_string(window_ms / kMinuteMs) + " min";
}

std::string format_served_period(const v1::GetExperimentReportResponse& report) {
  if (report.first_served_ms() == 0 && report.last_served_ms() == 0) return "nothing served";
  constexpr std::size_t kDateLength = 10;  // "2024-01-31" of the ISO-8601 time
  return format_iso8601_utc(report.first_served_ms()).substr(0, kDateLength) + " .. " +
         format_iso8601_utc(report.last_served_ms()).substr(0, kDateLength) + " (UTC)";
}

std::string described_or_unknown(const std::string& description) {
  return description.empty() ? "(not configured)" : description;
}

std::vector<std::string> reported_metrics(const v1::GetExperimentReportResponse& report) {
  std::vector<std::string> names;
  for (const v1::ArmReport& arm : report.arms()) {
    for (const v1::ArmMetric& metric : arm.metrics()) {
      if (std::find(names.begin(), names.end(), metric.name()) == names.end()) {
        names.push_back(metric.name());
      }
    }
  }
  return names;
}

const v1::Estimate* find_estimate(const v1::ArmReport& arm, std::string_view metric) {
  for (const v1::ArmMetric& candidate : arm.metrics()) {
    if (candidate.name() == metric) return &candidate.estimate();
  }
  return nullptr;
}

const v1::MetricComparison* find_comparison(const v1::GetExperimentReportResponse& report,
                                            std::string_view arm, std::string_view metric) {
  for (const v1::MetricComparison& comparison : report.comparisons()) {
    if (comparison.arm() == arm && comparison.metric() == metric) return &comparison;
  }
  return nullptr;
}


}  // namespace feedrank::cli
