// Selection with diversity: orders scored candidates greedily, each step taking the best score
// after two discounts that only grow as items are taken, so the taken scores never increase:
// - author diversity: the n-th earlier item by the same author multiplies the odds by
//   max(author_decay^n, author_floor), i.e. adds ln of that to the score;
// - MMR (when mmr_penalty > 0): subtracts mmr_penalty x the largest inner product of the post's
//   vector with the vectors of the items already taken, so near-duplicates do not stack.
// Lazy evaluation (a max-heap of possibly stale scores, refreshed when popped out of date: after
// a take of the same author, or after any take with MMR) keeps it close to O(n log n) instead of
// O(n x taken).
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "ranker/pipeline/candidate.h"
#include "ranker/scoring/ranking_config.h"

namespace feedrank::ranker {

struct Selection {
  std::size_t index = 0;  // into the candidates
  float score = 0;        // the candidate's score plus both terms
  float author_term = 0;  // ln(author factor), <= 0
  float mmr_term = 0;     // -mmr_penalty x max similarity, <= 0 when similarities are >= 0
};

// The post's vector (empty when it has none: no MMR term for it).
using PostVectorOf = std::function<std::vector<float>(PostId)>;

// At most `limit` selections, best first. Equal scores go to the larger post id (the newer).
std::vector<Selection> select_diverse(const Candidates& candidates, std::span<const float> scores,
                                      const RankingConfig& config, std::size_t limit,
                                      const PostVectorOf& vector_of);

}  // namespace feedrank::ranker
