#include "tools/simulate/simulation_summary.h"

#include <nlohmann/json.hpp>

#include "fmt/format.h"
#include "tools/cli/report_format.h"

namespace feedrank::simulate {
namespace {

constexpr std::string_view kHeadlineMetric = "engagement_rate";

std::string estimate_text(const v1::Estimate* estimate) {
  if (estimate == nullptr || !estimate->defined()) return "undefined";
  return fmt::format("{:.4f} [{:.4f}, {:.4f}]", estimate->value(), estimate->ci_low(),
                     estimate->ci_high());
}

std::string comparison_text(const v1::MetricComparison& comparison) {
  const char* verdict = comparison.significant() ? "SIGNIFICANT" : "not significant";
  if (!comparison.defined()) {
    return fmt::format("{:<24} undefined  {}", comparison.metric(), verdict);
  }
  return fmt::format("{:<24} {}  p {}  {}", comparison.metric(), cli::format_difference(comparison),
                     cli::format_p_value(comparison.p_value()), verdict);
}

// " (chronological)": what a team's list is, when the report says.
std::string team_text(const std::string& team) { return team.empty() ? "" : " (" + team + ")"; }

void append_report(const v1::GetExperimentReportResponse& report, std::string& out) {
  out += fmt::format(
      "experiment {}: {} attributed and {} unattributed engagements ({:g} h window)\n",
      report.experiment(), report.attributed_engagements(), report.unattributed_engagements(),
      static_cast<double>(report.attribution_window_ms()) / kHourMs);
  out += fmt::format("  {:<20} {:>8} {:>12}  {} [95% CI]\n", "arm", "viewers", "impressions",
                     kHeadlineMetric);
  for (const v1::ArmReport& arm : report.arms()) {
    out += fmt::format("  {:<20} {:>8} {:>12}  {}\n", arm.arm(), arm.viewers(), arm.impressions(),
                       estimate_text(cli::find_estimate(arm, kHeadlineMetric)));
  }
  std::string pair;  // a heading each time the compared pair changes
  for (const v1::MetricComparison& comparison : report.comparisons()) {
    const std::string this_pair = comparison.arm() + " vs " + comparison.baseline();
    if (this_pair != pair) out += fmt::format("  {}:\n", pair = this_pair);
    out += fmt::format("    {}\n", comparison_text(comparison));
  }
  for (const v1::InterleavingResult& result : report.interleaving()) {
    out += fmt::format(
        "  {} (interleaved): team A{} {} wins, team B{} {} wins, {} ties of {} viewers; "
        "engagements A {}, B {}; sign test p {}\n",
        result.arm(), team_text(result.team_a()), result.wins_a(), team_text(result.team_b()),
        result.wins_b(), result.ties(), result.viewers(), result.engagements_a(),
        result.engagements_b(), cli::format_p_value(result.p_value()));
  }
}

nlohmann::ordered_json estimate_json(const v1::Estimate* estimate) {
  if (estimate == nullptr || !estimate->defined()) return {{"defined", false}};
  return {{"defined", true},
          {"value", estimate->value()},
          {"ci_low", estimate->ci_low()},
          {"ci_high", estimate->ci_high()}};
}

nlohmann::ordered_json report_json(const v1::GetExperimentReportResponse& report) {
  nlohmann::ordered_json arms = nlohmann::ordered_json::array();
  for (const v1::ArmReport& arm : report.arms()) {
    arms.push_back(
        {{"arm", arm.arm()},
         {"variant", arm.variant()},
         {"viewers", arm.viewers()},
         {"impressions", arm.impressions()},
         {"likes", arm.likes()},
         {"unattributed", arm.unattributed()},
         {std::string(kHeadlineMetric), estimate_json(cli::find_estimate(arm, kHeadlineMetric))}});
  }
  nlohmann::ordered_json comparisons = nlohmann::ordered_json::array();
  for (const v1::MetricComparison& comparison : report.comparisons()) {
    comparisons.push_back({{"metric", comparison.metric()},
                           {"arm", comparison.arm()},
                           {"baseline", comparison.baseline()},
                           {"defined", comparison.defined()},
                           {"difference", comparison.difference()},
                           {"relative", comparison.relative()},
                           {"p_value", comparison.p_value()},
                           {"significant", comparison.significant()}});
  }
  nlohmann::ordered_json interleaving = nlohmann::ordered_json::array();
  for (const v1::InterleavingResult& result : report.interleaving()) {
    interleaving.push_back({{"arm", result.arm()},
                            {"team_a", result.team_a()},
                            {"team_b", result.team_b()},
                            {"viewers", result.viewers()},
                            {"wins_a", result.wins_a()},
                            {"wins_b", result.wins_b()},
                            {"ties", result.ties()},
                            {"engagements_a", result.engagements_a()},
                            {"engagements_b", result.engagements_b()},
                            {"p_value", result.p_value()}});
  }
  return {{"experiment", report.experiment()},
          {"attributed_engagements", report.attributed_engagements()},
          {"unattributed_engagements", report.unattributed_engagements()},
          {"arms", arms},
          {"comparisons", comparisons},
          {"interleaving", interleaving}};
}

}  // namespace

std::string summary_text(const SimulationResult& result) {
  std::string out;
  for (const v1::GetExperimentReportResponse& report : result.reports) {
    if (!out.empty()) out += "\n";
    append_report(report, out);
  }
  if (result.reports.empty()) out = "no experiment served any simulated viewer\n";
  return out;
}

std::string summary_json(const SimulationResult& result) {
  const WorldOptions& world = result.world;
  nlohmann::ordered_json rounds = nlohmann::ordered_json::array();
  for (const RoundStats& round : result.rounds) {
    rounds.push_back({{"round", round.round + 1},
                      {"served_at_ms", round.served_at_ms},
                      {"posts", round.posts},
                      {"pages", round.pages},
                      {"items", round.items},
                      {"feed_likes", round.feed_likes},
                      {"organic_likes", round.organic_likes},
                      {"viewers_by_arm", round.viewers_by_arm},
                      {"seconds", round.seconds}});
  }
  nlohmann::ordered_json experiments = nlohmann::ordered_json::array();
  for (const auto& report : result.reports) experiments.push_back(report_json(report));
  const nlohmann::ordered_json summary = {{"world",
                                           {{"viewers", world.viewers},
                                            {"authors", world.authors},
                                            {"topics", world.topics},
                                            {"follows_per_viewer", world.follows_per_viewer},
                                            {"seed", world.seed},
                                            {"id_base", world.id_base},
                                            {"start_ms", world.start_ms}}},
                                          {"history",
                                           {{"users", result.history.users()},
                                            {"follows", result.history.follows()},
                                            {"posts", result.history.posts()},
                                            {"engagements", result.history.engagements()}}},
                                          {"rounds", rounds},
                                          {"experiments", experiments}};
  return summary.dump(2) + "\n";
}

}  // namespace feedrank::simulate
