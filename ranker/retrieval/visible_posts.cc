#include "ranker/retrieval/visible_posts.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "kernels/search_checks.h"
#include "ranker/vectors/row_product.h"

namespace feedrank::ranker {

namespace {

// Posts scored between two looks at the clock: about 0.1 ms at d = 128.
constexpr std::size_t kPostsPerDeadlineCheck = 1024;

}  // namespace

absl::StatusOr<std::vector<kernels::Neighbor>> score_followers_only_posts(
    const store::FeedState& state, const embeddings::EmbeddingTable& table, UserId viewer,
    bool include_own, std::span<const float> query, std::span<const kernels::VectorId> exclude,
    std::chrono::steady_clock::time_point deadline) {
  std::vector<kernels::Neighbor> scored;
  const absl::flat_hash_set<kernels::VectorId> excluded(exclude.begin(), exclude.end());
  std::size_t looked_at = 0;
  // False when the deadline passed before the author's posts were all scored.
  const auto scored_in_time = [&](UserId author) {
    for (PostId id : state.posts.followers_only(author)) {
      if (looked_at++ % kPostsPerDeadlineCheck == 0 && kernels::past_deadline(deadline)) {
        return false;
      }
      if (excluded.contains(id)) continue;
      const auto row = table.row_of(id);
      if (!row || table.is_deleted(*row)) continue;  // the catalog lists live posts only
      scored.push_back({id, row_product(table, *row, query.data(), table.dimension())});
    }
    return true;
  };
  for (UserId followee : state.graph.followees(viewer)) {
    if (!scored_in_time(followee)) return kernels::search_deadline_passed();
  }
  if (include_own && !scored_in_time(viewer)) return kernels::search_deadline_passed();
  return scored;
}

std::vector<kernels::Neighbor> merge_nearest(std::span<const kernels::Neighbor> a,
                                             std::span<const kernels::Neighbor> b, int k) {
  std::vector<kernels::Neighbor> all(a.begin(), a.end());
  all.insert(all.end(), b.begin(), b.end());
  const auto better = [](const kernels::Neighbor& x, const kernels::Neighbor& y) {
    return x.score != y.score ? x.score > y.score : x.id < y.id;
  };
  // An id is at most once in each list, so the k best distinct ones are among the 2k best: a
  // selection first, so that a viewer following many followers-only posts costs no full sort.
  const std::size_t kept = 2 * static_cast<std::size_t>(std::max(k, 0));
  if (all.size() > kept) {
    std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(kept), all.end(),
                     better);
    all.resize(kept);
  }
  std::sort(all.begin(), all.end(), better);
  std::vector<kernels::Neighbor> best;
  best.reserve(std::min(all.size(), static_cast<std::size_t>(std::max(k, 0))));
  absl::flat_hash_set<kernels::VectorId> taken;
  for (const kernels::Neighbor& n : all) {
    if (best.size() >= static_cast<std::size_t>(std::max(k, 0))) break;
    if (taken.insert(n.id).second) best.push_back(n);
  }
  return best;
}

}  // namespace feedrank::ranker
