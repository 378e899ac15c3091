#include "tools/cli/report_svg.h"

#include <algorithm>
#include <cmath>

#include "tools/cli/report_format.h"
#include "tools/datasets/text_encoding.h"

namespace feedrank::cli {
namespace {

// Metric chart geometry (px): arm names, then the plot, then the estimate written out.
constexpr double kChartWidth = 720;
constexpr double kLabelRight = 150;
constexpr double kPlotLeft = 160;
constexpr double kPlotWidth = 320;
constexpr double kValueLeft = kPlotLeft + kPlotWidth + 12;
constexpr double kRowHeight = 26;
constexpr double kBarTop = 6;  // within a row
constexpr double kBarHeight = 14;
constexpr double kTextBaseline = 17;  // within a row
constexpr double kCapHalfHeight = 5;
constexpr double kAxisHeight = 20;
constexpr std::size_t kLabelBytes = 22;  // longer arm names are cut (the table has them whole)

// Interleaving bar geometry (px).
constexpr double kStackHeight = 28;
constexpr double kStackTop = 4;
constexpr double kMinLabelledSegment = 90;  // narrower segments keep their count in the tooltip

constexpr char kBarColour[] = "#7a9cc6";
constexpr char kInkColour[] = "#222222";
constexpr char kGridColour[] = "#bbbbbb";
constexpr char kTeamAColour[] = "#4f7fbf";
constexpr char kTieColour[] = "#c8c8c8";
constexpr char kTeamBColour[] = "#5aa469";

std::string px(double value) { return fixed_decimals(value, 1); }

// No xmlns: inline SVG in HTML needs none, and the page names no URL at all.
std::string svg_open(double width, double height, std::string_view label) {
  return "<svg width=\"" + px(width) + "\" height=\"" + px(height) + "\" viewBox=\"0 0 " +
         px(width) + " " + px(height) + "\" role=\"img\" aria-label=\"" + html_escape(label) +
         "\">";
}

std::string rect(double x, double y, double width, double height, std::string_view fill) {
  return "<rect x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"" + px(width) + "\" height=\"" +
         px(height) + "\" fill=\"" + std::string(fill) + "\"/>";
}

std::string line(double x1, double y1, double x2, double y2, std::string_view stroke) {
  return "<line x1=\"" + px(x1) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(x2) + "\" y2=\"" + px(y2) +
         "\" stroke=\"" + std::string(stroke) + "\" stroke-width=\"1.5\"/>";
}

std::string text(double x, double y, std::string_view anchor, std::string_view content,
                 bool bold = false) {
  return "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\" text-anchor=\"" + std::string(anchor) +
         "\"" + (bold ? " font-weight=\"bold\"" : "") + ">" + html_escape(content) + "</text>";
}

// A hover tooltip for the group it opens (browsers show <title> without script).
std::string tooltip(std::string_view content) {
  return "<title>" + html_escape(content) + "</title>";
}

std::string short_label(const std::string& name) {
  const std::string whole = datasets::repair_utf8(name);
  if (whole.size() <= kLabelBytes) return whole;
  return std::string(datasets::truncate_utf8(whole, kLabelBytes - 3)) + "...";
}

// Maps the metric's values to the plot: the range holds zero, every estimate and interval.
struct Scale {
  double low = 0;
  double high = 1;
  double x(double value) const { return kPlotLeft + (value - low) / (high - low) * kPlotWidth; }
};

Scale metric_scale(const v1::GetExperimentReportResponse& report, std::string_view metric) {
  Scale scale{0, 0};
  for (const v1::ArmReport& arm : report.arms()) {
    const v1::Estimate* estimate = find_estimate(arm, metric);
    if (estimate == nullptr || !estimate->defined()) continue;
    for (double value : {estimate->value(), estimate->ci_low(), estimate->ci_high()}) {
      if (!std::isfinite(value)) continue;
      scale.low = std::min(scale.low, value);
      scale.high = std::max(scale.high, value);
    }
  }
  // All zero (no shares in a like-only run): a small range, so the axis does not read 105%.
  if (scale.high <= scale.low) scale.high = scale.low + (is_proportion_metric(metric) ? 0.01 : 1);
  // A margin, so that the widest interval's cap does not touch the plot's edge.
  constexpr double kMargin = 0.05;
  const double margin = kMargin * (scale.high - scale.low);
  if (scale.low < 0) scale.low -= margin;
  scale.high += margin;
  return scale;
}

bool differs_significantly(const v1::GetExperimentReportResponse& report, const std::string& arm,
                           std::string_view metric) {
  const v1::MetricComparison* comparison = find_comparison(report, arm, metric);
  return comparison != nullptr && comparison->significant();
}

// The estimate as a bar from zero with its interval as an error bar with caps.
std::string estimate_marks(const v1::Estimate& estimate, const Scale& scale, double top,
                           std::string_view colour) {
  const double value_x = scale.x(estimate.value());
  const double zero_x = scale.x(0);
  const double low_x = scale.x(estimate.ci_low());
  const double high_x = scale.x(estimate.ci_high());
  const double middle = top + kBarTop + kBarHeight / 2;
  return rect(std::min(value_x, zero_x), top + kBarTop, std::abs(value_x - zero_x), kBarHeight,
              colour) +
         line(low_x, middle, high_x, middle, kInkColour) +
         line(low_x, middle - kCapHalfHeight, low_x, middle + kCapHalfHeight, kInkColour) +
         line(high_x, middle - kCapHalfHeight, high_x, middle + kCapHalfHeight, kInkColour);
}

std::string arm_row(const v1::GetExperimentReportResponse& report, const v1::ArmReport& arm,
                    std::string_view metric, const Scale& scale, double top) {
  std::string svg = text(kLabelRight, top + kTextBaseline, "end", short_label(arm.arm()));
  const v1::Estimate* estimate = find_estimate(arm, metric);
  if (estimate == nullptr || !estimate->defined()) {
    return svg + text(kPlotLeft, top + kTextBaseline, "start", "n/a");
  }
  const bool significant = differs_significantly(report, arm.arm(), metric);
  const std::string written = format_estimate(metric, *estimate);
  svg += "<g>" + tooltip(arm.arm() + ": " + written +
                         (significant ? ", significantly different from the baseline" : ""));
  svg += estimate_marks(*estimate, scale, top, significant ? kSignificantColour : kBarColour);
  svg += text(kValueLeft, top + kTextBaseline, "start", written + (significant ? " *" : ""),
              significant);
  return svg + "</g>";
}

}  // namespace

std::string metric_chart_svg(const v1::GetExperimentReportResponse& report,
                             std::string_view metric) {
  const Scale scale = metric_scale(report, metric);
  const double plot_height = kRowHeight * report.arms_size();
  const double height = plot_height + kAxisHeight;
  std::string svg =
      svg_open(kChartWidth, height, std::string(metric) + " per arm with 95% confidence intervals");
  svg += line(scale.x(0), 0, scale.x(0), plot_height, kGridColour);
  svg += line(kPlotLeft, plot_height, kPlotLeft + kPlotWidth, plot_height, kGridColour);
  for (int i = 0; i < report.arms_size(); ++i) {
    svg += arm_row(report, report.arms(i), metric, scale, kRowHeight * i);
  }
  svg += text(kPlotLeft, height - 4, "start", format_metric_value(metric, scale.low));
  svg += text(kPlotLeft + kPlotWidth, height - 4, "end", format_metric_value(metric, scale.high));
  return svg + "</svg>";
}

std::string interleaving_chart_svg(const v1::InterleavingResult& result) {
  struct Segment {
    const char* name;   // in the tooltip
    const char* label;  // in the bar, where it fits
    std::uint64_t viewers;
    const char* colour;
  };
  const Segment segments[] = {{"team A wins", "A", result.wins_a(), kTeamAColour},
                              {"ties", "ties", result.ties(), kTieColour},
                              {"team B wins", "B", result.wins_b(), kTeamBColour}};
  const double total = static_cast<double>(result.wins_a() + result.ties() + result.wins_b());
  const double height = kStackTop * 2 + kStackHeight;
  const double baseline = kStackTop + kStackHeight / 2 + 5;
  std::string svg = svg_open(kChartWidth, height, "viewers won by team A, tied, won by team B");
  if (total == 0) {
    return svg + rect(0, kStackTop, kChartWidth, kStackHeight, kTieColour) +
           text(kChartWidth / 2, baseline, "middle", "no viewers") + "</svg>";
  }
  double x = 0;
  for (const Segment& segment : segments) {
    const double width = segment.viewers / total * kChartWidth;
    const std::string share = fixed_decimals(100 * segment.viewers / total, 0) + "%";
    const std::string count = std::to_string(segment.viewers) + " (" + share + ")";
    svg += "<g>" + tooltip(std::string(segment.name) + ": " + count) +
           rect(x, kStackTop, width, kStackHeight, segment.colour);
    if (width >= kMinLabelledSegment) {
      svg += text(x + width / 2, baseline, "middle", std::string(segment.label) + " " + count);
    }
    svg += "</g>";
    x += width;
  }
  return svg + "</svg>";
}

}  // namespace feedrank::cli
