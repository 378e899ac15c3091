#include "ranker/experiments/attribution.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace feedrank::ranker {

void sort_in_served_order(std::span<const store::Impression> impressions,
                          std::span<std::size_t> indices) {
  std::stable_sort(indices.begin(), indices.end(), [&](std::size_t a, std::size_t b) {
    return std::pair(impressions[a].served_at, impressions[a].request_id) <
           std::pair(impressions[b].served_at, impressions[b].request_id);
  });
}

std::vector<std::size_t> attribute_engagements(std::span<const store::Impression> impressions,
                                               std::span<const Engagement> engagements,
                                               TimestampMs window_ms) {
  // Per (viewer, post): its impressions by (served_at, request_id, input order), so the last one
  // served at or before an engagement is also the tie winner.
  absl::flat_hash_map<std::pair<UserId, PostId>, std::vector<std::size_t>> shown;
  for (std::size_t i = 0; i < impressions.size(); ++i) {
    shown[{impressions[i].viewer, impressions[i].post}].push_back(i);
  }
  for (auto& [key, indices] : shown) sort_in_served_order(impressions, indices);

  std::vector<std::size_t> credited(engagements.size(), kUnattributed);
  for (std::size_t e = 0; e < engagements.size(); ++e) {
    const Engagement& engagement = engagements[e];
    auto it = shown.find(std::pair(engagement.user, engagement.post));
    if (it == shown.end()) continue;
    const std::vector<std::size_t>& indices = it->second;
    auto after = std::upper_bound(
        indices.begin(), indices.end(), engagement.at,
        [&](TimestampMs at, std::size_t i) { return at < impressions[i].served_at; });
    if (after == indices.begin()) continue;  // shown only after the engagement
    const std::size_t latest = *std::prev(after);
    if (engagement.at - impressions[latest].served_at <= window_ms) credited[e] = latest;
  }
  return credited;
}

}  // namespace feedrank::ranker
