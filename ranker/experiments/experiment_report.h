// An experiment's report, built from its impressions and the engagements of its viewers: per
// arm, viewers, pages, impressions and each metric with a 95% confidence interval; every arm
// compared with the first (the control) per metric; for interleaved arms, wins per team. The
// statistics are in report_statistics.h, attribution in attribution.h.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ranker/experiments/experiment_config.h"
#include "ranker/experiments/report_statistics.h"
#include "store/impression_log.h"
#include "store/records.h"

namespace feedrank::ranker {

// The report's metrics, in this order (names as in ArmReport::metrics):
//   engagement_rate        impressions with at least one attributed engagement / impressions
//   view_rate, like_rate, comment_rate, share_rate
//                          attributed engagements of the kind / impressions
//   engagements_per_viewer attributed engagements (all kinds) / viewers
//   engaged_position       mean 1-based feed position of the impressions engaged with
//   served_age_hours       mean age of the served posts when served
//   author_diversity       distinct authors per page / items per page
//   in_network_share       share of impressions from the viewer's own network (self, followees)
inline constexpr int kReportMetricCount = 10;
const std::array<const char*, kReportMetricCount>& report_metric_names();

struct ArmReport {
  std::string arm;
  std::string variant;  // what the arm serves, when configured (filled by the caller)
  std::uint64_t viewers = 0;
  std::uint64_t pages = 0;
  std::uint64_t impressions = 0;
  std::array<std::uint64_t, kEngagementKindCount> attributed{};  // engagements by kind
  std::uint64_t unattributed = 0;  // engagements of its viewers matching no impression
  std::array<RatioEstimate, kReportMetricCount> metrics;
};

struct MetricComparison {
  std::string metric;
  std::string arm;       // the treatment
  std::string baseline;  // the first arm
  RatioComparison comparison;
  bool significant = false;  // after Holm's correction over all comparisons of the report
};

// Team-draft interleaving in one arm: per viewer, the team whose items got more attributed
// engagements (over all that viewer's interleaved pages) wins; viewers with a tie are counted
// apart; a two-sided sign test on the wins.
struct InterleavingResult {
  std::string arm;
  std::string team_a, team_b;  // what each team's list is, when configured (filled by the caller)
  std::uint64_t viewers = 0;
  std::uint64_t wins_a = 0;
  std::uint64_t wins_b = 0;
  std::uint64_t ties = 0;                      // including viewers with no engagement
  std::array<std::uint64_t, 2> engagements{};  // credited to team A, team B
  double p_value = 1;
};

struct ExperimentReport {
  std::string experiment;
  TimestampMs attribution_window_ms = 0;
  TimestampMs first_served = 0;  // the earliest and latest impression (0 when none)
  TimestampMs last_served = 0;
  std::vector<ArmReport> arms;  // in arm_order, then arms only the log knows, by name
  std::vector<MetricComparison> comparisons;
  std::vector<InterleavingResult> interleaving;
  std::uint64_t attributed = 0;
  std::uint64_t unattributed = 0;
};

struct ReportInput {
  std::string experiment;
  TimestampMs attribution_window_ms = kDefaultAttributionWindowMs;
  std::vector<std::string> arm_order;          // the config's arms (the first is the control)
  std::vector<store::Impression> impressions;  // the experiment's, any order
  // Engagements of the experiment's viewers (any order; others are ignored). Those from a viewer's
  // first impression in the experiment to their last impression + the window are attributed or
  // counted unattributed; earlier and later ones are outside the experiment and ignored.
  std::vector<Engagement> engagements;
};

ExperimentReport build_experiment_report(const ReportInput& input);

}  // namespace feedrank::ranker
