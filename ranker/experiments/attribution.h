// Attribution: which impression an engagement that arrived later is credited to. An engagement
// by viewer v with post p at time t is credited to the latest impression of p to v served at or
// before t and no more than `window` before it (t - served_at <= window: the edge counts). An
// engagement with no such impression is unattributed: counted apart, never dropped.
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "store/impression_log.h"
#include "store/records.h"

namespace feedrank::ranker {

inline constexpr std::size_t kUnattributed = std::numeric_limits<std::size_t>::max();

// For each engagement, in input order: the index into `impressions` it is credited to, or
// kUnattributed. Inputs in any order. O((I + E) log I).
std::vector<std::size_t> attribute_engagements(std::span<const store::Impression> impressions,
                                               std::span<const Engagement> engagements,
                                               TimestampMs window_ms);

// Sorts `indices` (into `impressions`) in the order the impressions were served: by
// (served_at, request_id), ties in their input order.
void sort_in_served_order(std::span<const store::Impression> impressions,
                          std::span<std::size_t> indices);

}  // namespace feedrank::ranker
