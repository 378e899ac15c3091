// The shared step of sources that rank posts by a per-post value computed elsewhere (followee
// engagement counts, collaborative scores): the `total` best live posts the viewer may be shown,
// ties by larger id.
#pragma once

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "ranker/filters/candidate_filter.h"
#include "ranker/pipeline/candidate_source.h"

namespace feedrank::ranker {

template <class Value>
void append_best(const FeedQuery& query, const absl::flat_hash_map<PostId, Value>& values,
                 int total, CandidateSource source, Candidates& out) {
  std::vector<std::pair<Value, PostId>> ranked;
  ranked.reserve(values.size());
  for (const auto& [post, value] : values) ranked.emplace_back(value, post);
  // Only as many of the best as are still missing are put in order (a selection, then a sort of
  // those), not the whole map: deleted posts and those the viewer's filters remove (the viewer's
  // own, already engaged, muted: a collaborative neighbour's best posts are the viewer's history)
  // are skipped, and the next best take their places.
  // (value, post) pairs are all distinct, so the order is the full sort's.
  std::size_t ordered = 0;  // ranked[0, ordered) are the best, in order
  int found = 0;
  for (std::size_t i = 0; i < ranked.size() && found < total; ++i) {
    if (i == ordered) {
      ordered = std::min(ranked.size(), ordered + static_cast<std::size_t>(total - found));
      const auto begin = ranked.begin() + static_cast<std::ptrdiff_t>(i);
      const auto last = ranked.begin() + static_cast<std::ptrdiff_t>(ordered - 1);
      std::nth_element(begin, last, ranked.end(), std::greater<>());
      std::sort(begin, last, std::greater<>());
    }
    auto candidate = candidate_of(*query.state, ranked[i].second, source);
    if (candidate && !is_removed_for_the_viewer(query, *candidate)) {
      out.push_back(*candidate);
      ++found;
    }
  }
}

}  // namespace feedrank::ranker
