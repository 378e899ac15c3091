// The replay's metrics of one list, each on its own. Relevance is binary: a post is relevant when
// it is in the viewer's ground truth. Lists are best first; "at n" reads their first n posts.
#pragma once

#include <cstddef>
#include <span>

#include "tools/replay/pre_cut_state.h"

namespace feedrank::replay {

// DCG@n / ideal DCG@n, with DCG = sum over relevant ranks r (1-based) of 1 / log2(r + 1) and the
// ideal over min(|truth|, n) relevant posts at the top. 0 when the truth is empty.
double ndcg_at(std::span<const PostId> list, const PostSet& truth, int n);

// 1 when one of the first n posts is relevant, else 0.
double hit_rate_at(std::span<const PostId> list, const PostSet& truth, int n);

// Relevant posts among the first n / |truth|. 0 when the truth is empty.
double recall_at(std::span<const PostId> list, const PostSet& truth, int n);

// 1 / the rank of the first relevant post in the whole list, 0 when none is.
double reciprocal_rank(std::span<const PostId> list, const PostSet& truth);

// Distinct authors / posts, for the authors of a list's top posts. 0 for no posts.
double author_diversity(std::span<const UserId> authors);

// Distinct posts served over all viewers / live posts before the cut. 0 when there are none.
double catalogue_coverage(std::size_t distinct_served, std::size_t live_posts);

// Mean of (cut - created_at) in hours. 0 for no posts.
double mean_age_hours(std::span<const TimestampMs> created_at, TimestampMs cut);

}  // namespace feedrank::replay
