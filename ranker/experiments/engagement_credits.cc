#include "ranker/experiments/engagement_credits.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "ranker/experiments/attribution.h"

namespace feedrank::ranker {
namespace {

// Each viewer's impressions over all arms, by (served_at, request_id): they bound the
// engagements that count and give the arm of an unattributed one.
using Timelines = absl::flat_hash_map<UserId, std::vector<std::size_t>>;

Timelines viewer_timelines(std::span<const store::Impression> impressions) {
  Timelines timelines;
  for (std::size_t i = 0; i < impressions.size(); ++i) {
    timelines[impressions[i].viewer].push_back(i);
  }
  for (auto& [viewer, indices] : timelines) sort_in_served_order(impressions, indices);
  return timelines;
}

}  // namespace

EngagementCredits credit_engagements(std::span<const store::Impression> impressions,
                                     std::span<const std::size_t> arm_of, std::size_t arm_count,
                                     std::span<const Engagement> engagements,
                                     TimestampMs window_ms) {
  const Timelines timelines = viewer_timelines(impressions);
  std::vector<Engagement> counted;
  for (const Engagement& engagement : engagements) {
    auto it = timelines.find(engagement.user);
    if (it == timelines.end()) continue;  // not a viewer of the experiment
    const std::vector<std::size_t>& timeline = it->second;
    if (engagement.at >= impressions[timeline.front()].served_at &&
        engagement.at - impressions[timeline.back()].served_at <= window_ms) {
      counted.push_back(engagement);
    }
  }

  EngagementCredits credits;
  credits.by_impression.resize(impressions.size());
  credits.unattributed_by_arm.resize(arm_count, 0);
  const std::vector<std::size_t> credited = attribute_engagements(impressions, counted, window_ms);
  for (std::size_t e = 0; e < counted.size(); ++e) {
    if (credited[e] != kUnattributed) {
      ++credits.by_impression[credited[e]][static_cast<int>(counted[e].kind)];
      continue;
    }
    // There is an impression at or before it: counted engagements are not before the first.
    const std::vector<std::size_t>& timeline = timelines.at(counted[e].user);
    auto after = std::upper_bound(
        timeline.begin(), timeline.end(), counted[e].at,
        [&](TimestampMs at, std::size_t i) { return at < impressions[i].served_at; });
    ++credits.unattributed_by_arm[arm_of[*std::prev(after)]];
  }
  return credits;
}

}  // namespace feedrank::ranker
