#include "api/report_conversion.h"

namespace feedrank::api {
namespace {

constexpr char kMethod[] =
    "Viewers are the unit: each metric is a ratio of per-viewer sums with a 95% confidence "
    "interval from the delta method; arms are compared with the first by a two-sided z-test on "
    "the difference, significant at 5% after Holm's correction over all comparisons; "
    "interleaving wins per viewer by an exact two-sided sign test.";

void to_proto(const ranker::RatioEstimate& estimate, v1::Estimate& out) {
  out.set_defined(estimate.defined);
  out.set_value(estimate.value);
  out.set_std_error(estimate.std_error);
  out.set_ci_low(estimate.ci_low);
  out.set_ci_high(estimate.ci_high);
  out.set_viewers(estimate.viewers);
}

void to_proto(const ranker::ArmReport& arm, v1::ArmReport& out) {
  out.set_arm(arm.arm);
  out.set_variant(arm.variant);
  out.set_viewers(arm.viewers);
  out.set_pages(arm.pages);
  out.set_impressions(arm.impressions);
  out.set_views(arm.attributed[static_cast<int>(EngagementKind::kView)]);
  out.set_likes(arm.attributed[static_cast<int>(EngagementKind::kLike)]);
  out.set_comments(arm.attributed[static_cast<int>(EngagementKind::kComment)]);
  out.set_shares(arm.attributed[static_cast<int>(EngagementKind::kShare)]);
  out.set_unattributed(arm.unattributed);
  const auto& names = ranker::report_metric_names();
  for (int metric = 0; metric < ranker::kReportMetricCount; ++metric) {
    auto* metric_out = out.add_metrics();
    metric_out->set_name(names[metric]);
    to_proto(arm.metrics[metric], *metric_out->mutable_estimate());
  }
}

}  // namespace

void to_proto(const ranker::ExperimentReport& report, v1::GetExperimentReportResponse& response) {
  response.set_experiment(report.experiment);
  response.set_attribution_window_ms(report.attribution_window_ms);
  response.set_first_served_ms(report.first_served);
  response.set_last_served_ms(report.last_served);
  for (const ranker::ArmReport& arm : report.arms) to_proto(arm, *response.add_arms());
  for (const ranker::MetricComparison& comparison : report.comparisons) {
    auto* out = response.add_comparisons();
    out->set_metric(comparison.metric);
    out->set_arm(comparison.arm);
    out->set_baseline(comparison.baseline);
    out->set_defined(comparison.comparison.defined);
    out->set_difference(comparison.comparison.difference);
    out->set_relative(comparison.comparison.relative);
    out->set_z(comparison.comparison.z);
    out->set_p_value(comparison.comparison.p_value);
    out->set_significant(comparison.significant);
  }
  for (const ranker::InterleavingResult& result : report.interleaving) {
    auto* out = response.add_interleaving();
    out->set_arm(result.arm);
    out->set_team_a(result.team_a);
    out->set_team_b(result.team_b);
    out->set_viewers(result.viewers);
    out->set_wins_a(result.wins_a);
    out->set_wins_b(result.wins_b);
    out->set_ties(result.ties);
    out->set_engagements_a(result.engagements[0]);
    out->set_engagements_b(result.engagements[1]);
    out->set_p_value(result.p_value);
  }
  response.set_attributed_engagements(report.attributed);
  response.set_unattributed_engagements(report.unattributed);
  response.set_method(kMethod);
}

}  // namespace feedrank::api
