// The shared step of sources that rank posts by a per-post value computed elsewhere (followee
// engagement counts, collaborative scores): the `total` best live posts, ties by larger id.
#pragma once

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "ranker/pipeline/candidate_source.h"

namespace feedrank::ranker {

template <class Value>
void append_best(const store::FeedState& state, const absl::flat_hash_map<PostId, Value>& values,
                 int total, CandidateSource source, Candidates& out) {
  std::vector<std::pair<Value, PostId>> ranked;
  ranked.reserve(values.size());
  for (const auto& [post, value] : values) ranked.emplace_back(value, post);
  const auto keep = std::min(ranked.size(), static_cast<std::size_t>(total));
  std::partial_sort(ranked.begin(), ranked.begin() + keep, ranked.end(), std::greater<>());
  for (std::size_t i = 0; i < keep; ++i) {
    if (auto candidate = candidate_of(state, ranked[i].second, source)) out.push_back(*candidate);
  }
}

}  // namespace feedrank::ranker
