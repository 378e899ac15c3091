#include "ranker/experiments/experiment_report.h"

#include <algorithm>
#include <numeric>
#include <set>
#include <span>

#include "absl/container/flat_hash_map.h"
#include "ranker/experiments/engagement_credits.h"
#include "ranker/feed_types.h"

namespace feedrank::ranker {
namespace {

using store::Impression;
using KindCounts = std::array<std::uint32_t, kEngagementKindCount>;

// Arms in the config's order, then those only the log knows, by name.
std::vector<std::string> ordered_arms(const ReportInput& input) {
  std::vector<std::string> arms;
  for (const std::string& arm : input.arm_order) {
    if (std::find(arms.begin(), arms.end(), arm) == arms.end()) arms.push_back(arm);
  }
  std::set<std::string> unlisted;
  for (const Impression& impression : input.impressions) {
    if (std::find(arms.begin(), arms.end(), impression.arm) == arms.end()) {
      unlisted.insert(impression.arm);
    }
  }
  arms.insert(arms.end(), unlisted.begin(), unlisted.end());
  return arms;
}

// One viewer's totals in one arm, the numerators and denominators of the metrics.
struct ViewerTotals {
  double impressions = 0;
  double engaged = 0;  // impressions with at least one attributed engagement
  std::array<double, kEngagementKindCount> by_kind{};
  double engaged_position = 0;  // sum of 1-based positions of the engaged impressions
  double age_hours = 0;
  double page_authors = 0;  // sum over pages of the distinct authors in the page
  double in_network = 0;
  std::array<std::uint64_t, 2> team_engagements{};  // credited to team A, team B
  bool interleaved = false;
};

void add_impression(const Impression& impression, const KindCounts& kinds, ViewerTotals& totals) {
  const std::uint32_t engagements = std::accumulate(kinds.begin(), kinds.end(), 0u);
  totals.impressions += 1;
  for (int k = 0; k < kEngagementKindCount; ++k) totals.by_kind[k] += kinds[k];
  if (engagements > 0) {
    totals.engaged += 1;
    totals.engaged_position += impression.position + 1.0;
  }
  totals.age_hours +=
      static_cast<double>(impression.served_at - impression.post_created_at) / 3.6e6;
  if (impression.in_network) totals.in_network += 1;
  if (impression.team != static_cast<std::uint8_t>(InterleavingTeam::kNone)) {
    totals.interleaved = true;
    const bool team_a = impression.team == static_cast<std::uint8_t>(InterleavingTeam::kA);
    totals.team_engagements[team_a ? 0 : 1] += engagements;
  }
}

// In report_metric_names order.
std::array<RatioSample, kReportMetricCount> viewer_samples(const ViewerTotals& t) {
  const double attributed = std::accumulate(t.by_kind.begin(), t.by_kind.end(), 0.0);
  return {RatioSample{t.engaged, t.impressions},      RatioSample{t.by_kind[0], t.impressions},
          RatioSample{t.by_kind[1], t.impressions},   RatioSample{t.by_kind[2], t.impressions},
          RatioSample{t.by_kind[3], t.impressions},   RatioSample{attributed, 1},
          RatioSample{t.engaged_position, t.engaged}, RatioSample{t.age_hours, t.impressions},
          RatioSample{t.page_authors, t.impressions}, RatioSample{t.in_network, t.impressions}};
}

// What one arm gathers from its viewers before the estimates.
struct ArmTally {
  ArmReport report;
  std::array<std::vector<RatioSample>, kReportMetricCount> samples;
  InterleavingResult interleaving;
  bool interleaved = false;
};

void add_viewer(const ViewerTotals& totals, ArmTally& tally) {
  tally.report.viewers += 1;
  tally.report.impressions += static_cast<std::uint64_t>(totals.impressions);
  for (int k = 0; k < kEngagementKindCount; ++k) {
    tally.report.attributed[k] += static_cast<std::uint64_t>(totals.by_kind[k]);
  }
  const auto samples = viewer_samples(totals);
  for (int m = 0; m < kReportMetricCount; ++m) tally.samples[m].push_back(samples[m]);
  if (!totals.interleaved) return;
  tally.interleaved = true;
  InterleavingResult& result = tally.interleaving;
  const auto [a, b] = totals.team_engagements;
  result.viewers += 1;
  result.engagements[0] += a;
  result.engagements[1] += b;
  ++(a > b ? result.wins_a : a < b ? result.wins_b : result.ties);
}

// Walks the impressions grouped by viewer in an arm, then by page, and folds each viewer into
// their arm's tally.
void tally_viewers(const std::vector<Impression>& impressions, std::span<const std::size_t> arm_of,
                   const EngagementCredits& credits, std::vector<ArmTally>& tallies) {
  auto viewer = [&](std::size_t i) { return std::pair(arm_of[i], impressions[i].viewer); };
  auto page = [&](std::size_t i) { return std::pair(viewer(i), impressions[i].request_id); };
  std::vector<std::size_t> order(impressions.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return page(a) < page(b); });

  ViewerTotals totals;
  std::vector<UserId> page_authors;
  for (std::size_t n = 0; n < order.size(); ++n) {
    const std::size_t i = order[n];
    ArmTally& tally = tallies[arm_of[i]];
    add_impression(impressions[i], credits.by_impression[i], totals);
    page_authors.push_back(impressions[i].author);
    const bool last = n + 1 == order.size();
    if (last || page(order[n + 1]) != page(i)) {
      std::sort(page_authors.begin(), page_authors.end());
      totals.page_authors += static_cast<double>(
          std::unique(page_authors.begin(), page_authors.end()) - page_authors.begin());
      page_authors.clear();
      tally.report.pages += 1;
    }
    if (last || viewer(order[n + 1]) != viewer(i)) {
      add_viewer(totals, tally);
      totals = ViewerTotals{};
    }
  }
}

// The arm's estimates, into the report with its interleaving result if it has one.
void finish_arm(ArmTally& tally, ExperimentReport& report) {
  for (int m = 0; m < kReportMetricCount; ++m) {
    tally.report.metrics[m] = estimate_ratio(tally.samples[m]);
  }
  for (std::uint64_t count : tally.report.attributed) report.attributed += count;
  report.unattributed += tally.report.unattributed;
  if (tally.interleaved) {
    tally.interleaving.arm = tally.report.arm;
    tally.interleaving.p_value =
        sign_test_p_value(tally.interleaving.wins_a, tally.interleaving.wins_b);
    report.interleaving.push_back(tally.interleaving);
  }
  report.arms.push_back(std::move(tally.report));
}

// Every arm after the first against the first, metric by metric; Holm over the defined ones.
std::vector<MetricComparison> compare_arms(const std::vector<ArmReport>& arms) {
  std::vector<MetricComparison> comparisons;
  for (std::size_t a = 1; a < arms.size(); ++a) {
    for (int m = 0; m < kReportMetricCount; ++m) {
      comparisons.push_back({report_metric_names()[m], arms[a].arm, arms[0].arm,
                             compare_ratios(arms[0].metrics[m], arms[a].metrics[m])});
    }
  }
  std::vector<double> p_values;
  for (const MetricComparison& c : comparisons) {
    if (c.comparison.defined) p_values.push_back(c.comparison.p_value);
  }
  const std::vector<bool> significant = holm_significant(p_values);
  std::size_t next = 0;
  for (MetricComparison& c : comparisons) {
    if (c.comparison.defined) c.significant = significant[next++];
  }
  return comparisons;
}

}  // namespace

const std::array<const char*, kReportMetricCount>& report_metric_names() {
  static const std::array<const char*, kReportMetricCount> names = {
      "engagement_rate",  "view_rate",        "like_rate",
      "comment_rate",     "share_rate",       "engagements_per_viewer",
      "engaged_position", "served_age_hours", "author_diversity",
      "in_network_share"};
  return names;
}

ExperimentReport build_experiment_report(const ReportInput& input) {
  ExperimentReport report;
  report.experiment = input.experiment;
  report.attribution_window_ms = input.attribution_window_ms;
  const std::vector<Impression>& impressions = input.impressions;

  const std::vector<std::string> arms = ordered_arms(input);
  absl::flat_hash_map<std::string, std::size_t> arm_index;
  for (std::size_t a = 0; a < arms.size(); ++a) arm_index[arms[a]] = a;
  std::vector<std::size_t> arm_of(impressions.size());
  for (std::size_t i = 0; i < impressions.size(); ++i) arm_of[i] = arm_index.at(impressions[i].arm);
  if (!impressions.empty()) {
    auto [first, last] = std::minmax_element(
        impressions.begin(), impressions.end(),
        [](const Impression& a, const Impression& b) { return a.served_at < b.served_at; });
    report.first_served = first->served_at;
    report.last_served = last->served_at;
  }

  const EngagementCredits credits = credit_engagements(
      impressions, arm_of, arms.size(), input.engagements, input.attribution_window_ms);
  std::vector<ArmTally> tallies(arms.size());
  tally_viewers(impressions, arm_of, credits, tallies);

  for (std::size_t a = 0; a < arms.size(); ++a) {
    tallies[a].report.arm = arms[a];
    tallies[a].report.unattributed = credits.unattributed_by_arm[a];
    finish_arm(tallies[a], report);
  }
  report.comparisons = compare_arms(report.arms);
  return report;
}

}  // namespace feedrank::ranker
