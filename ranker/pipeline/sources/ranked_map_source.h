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
  // Sorted whole (a few thousand entries at most): deleted posts are skipped, and the next best
  // take their places.
  std::sort(ranked.begin(), ranked.end(), std::greater<>());
  int found = 0;
  for (std::size_t i = 0; i < ranked.size() && found < total; ++i) {
    if (auto candidate = candidate_of(state, ranked[i].second, source)) {
      out.push_back(*candidate);
      ++found;
    }
  }
}

}  // namespace feedrank::ranker
