// What the retrieval index cannot answer alone: it holds live PUBLIC posts only (followers-only
// rows are not searchable, see EmbeddingTable::unsearchable_words), so a viewer's nearest posts
// are its answer merged with the followers-only posts that viewer may see, scored exactly here.
// Cheap: a viewer's followers-only candidates are the (few) live followers-only posts of the
// accounts they follow, read from PostCatalog's per-author lists.
#pragma once

#include <chrono>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "embeddings/embedding_table.h"
#include "kernels/vector_index.h"
#include "store/feed_state.h"

namespace feedrank::ranker {

// The live FOLLOWERS posts `viewer` may see (those of the accounts they follow, and their own
// when `include_own`), not in `exclude`, with their inner product with `query` (dimension()
// floats); in no particular order. DEADLINE_EXCEEDED (the index's error) once `deadline` has
// passed with posts left to score: a viewer following thousands of authors may have many.
absl::StatusOr<std::vector<kernels::Neighbor>> score_followers_only_posts(
    const store::FeedState& state, const embeddings::EmbeddingTable& table, UserId viewer,
    bool include_own, std::span<const float> query, std::span<const kernels::VectorId> exclude,
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());

// The best `k` of `a` and `b` together, best first: score descending, ties by smaller id (the
// index's order). An id in both lists is kept once, where it ranks better.
std::vector<kernels::Neighbor> merge_nearest(std::span<const kernels::Neighbor> a,
                                             std::span<const kernels::Neighbor> b, int k);

}  // namespace feedrank::ranker
