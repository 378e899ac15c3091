// The experiment report page's charts as inline SVG: they draw without script and fetch nothing,
// so the page opens offline. Every text from the report is HTML-escaped.
#pragma once

#include <string>
#include <string_view>

#include "feedrank/v1/feedrank.pb.h"

namespace feedrank::cli {

// The fill of estimates that differ significantly from the baseline (for the page's legend).
inline constexpr char kSignificantColour[] = "#e07b24";

// One metric across the arms: per arm a bar to the estimate and its 95% interval as an error bar;
// arms that differ significantly from the baseline are drawn in the highlight colour.
std::string metric_chart_svg(const v1::GetExperimentReportResponse& report,
                             std::string_view metric);

// One interleaved arm's viewers as a single stacked bar: won by team A, tied, won by team B.
std::string interleaving_chart_svg(const v1::InterleavingResult& result);

}  // namespace feedrank::cli
