#include "tools/replay/report_svg.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

#include "common/html_escape.h"
#include "fmt/format.h"

namespace feedrank::replay {
namespace {

// Layout, in pixels.
constexpr double kGroupWidth = 120;
constexpr double kBarWidth = 40;
constexpr double kPlotHeight = 260;
constexpr double kLeft = 60;  // room for the axis labels
constexpr double kTop = 60;   // room for the title and legend
constexpr double kBottom = 50;
constexpr int kTicks = 5;

struct Series {
  std::string label;
  const char* colour;
  double ListScores::*value;
};

// The smallest of 1, 2, 2.5 or 5 times a power of ten at or above `value` (1 for nothing).
double axis_top(double value) {
  if (!(value > 0)) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(value)));
  for (double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

// Appends formatted SVG text.
struct SvgWriter {
  std::string& out;
  template <typename... Args>
  void operator()(fmt::format_string<Args...> format, Args&&... args) const {
    fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
  }
};

}  // namespace

std::string to_svg(const ReplayReport& report) {
  const std::array<Series, 2> series = {
      Series{"NDCG@10", "#4472c4", &ListScores::ndcg_at_10},
      Series{fmt::format("recall@{}", report.options.k), "#ed7d31", &ListScores::recall_at_k}};
  double highest = 0;
  for (const ListScores& row : report.rows) {
    for (const Series& s : series) highest = std::max(highest, row.*s.value);
  }
  const double top = axis_top(highest);
  const double width = kLeft + kGroupWidth * static_cast<double>(report.rows.size()) + 20;
  const double height = kTop + kPlotHeight + kBottom;
  const double baseline = kTop + kPlotHeight;
  const auto y_of = [&](double value) { return baseline - kPlotHeight * value / top; };

  std::string out;
  const SvgWriter put{out};
  put("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"12\">\n",
      width, height);
  const std::string title = fmt::format("feedrank replay: {}", report.source);
  put("<title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n", html_escape(title));
  put("<text x=\"{}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{}</text>\n", kLeft,
      html_escape(title));
  for (std::size_t i = 0; i < series.size(); ++i) {
    const double x = kLeft + 150 * static_cast<double>(i);
    put("<rect x=\"{}\" y=\"34\" width=\"12\" height=\"12\" fill=\"{}\"/>"
        "<text x=\"{}\" y=\"45\">{}</text>\n",
        x, series[i].colour, x + 18, html_escape(series[i].label));
  }
  for (int tick = 0; tick <= kTicks; ++tick) {
    const double value = top * tick / kTicks;
    put("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5:g}</text>\n",
        kLeft, width - 20, y_of(value), kLeft - 6, y_of(value) + 4, value);
  }
  put("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"black\"/>\n", kLeft, kTop,
      baseline);
  for (std::size_t g = 0; g < report.rows.size(); ++g) {
    const ListScores& row = report.rows[g];
    const double left = kLeft + kGroupWidth * static_cast<double>(g);
    const double centre = left + kGroupWidth / 2;
    put("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", centre, baseline + 18,
        html_escape(row.name));
    if (!row.unavailable.empty()) {
      put("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#888\">n/a</text>\n", centre,
          baseline - 8);
      continue;
    }
    for (std::size_t i = 0; i < series.size(); ++i) {
      const double value = row.*series[i].value;
      const double x = centre - kBarWidth + kBarWidth * static_cast<double>(i);
      put("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{}\" height=\"{:.1f}\" fill=\"{}\"/>"
          "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"10\">{:.3f}</text>\n",
          x + 2, y_of(value), kBarWidth - 4, baseline - y_of(value), series[i].colour,
          x + kBarWidth / 2, y_of(value) - 4, value);
    }
  }
  put("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"black\"/>\n</svg>\n", kLeft,
      width - 20, baseline);
  return out;
}

}  // namespace feedrank::replay
