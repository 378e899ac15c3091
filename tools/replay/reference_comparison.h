// How sure the table is that one kind of list beats another: each row's NDCG@10 against one
// reference row's (the chronological feed by default), as the mean per-viewer difference with a
// paired bootstrap 95% interval over the judged viewers (paired_bootstrap.h). Point estimates
// alone hide that on a few hundred viewers most gaps between rows are within noise.
#pragma once

#include <cstdint>
#include <vector>

#include "tools/replay/list_scores.h"

namespace feedrank::replay {

// Sets ndcg_at_10_vs_reference on every row with values but rows[reference], one seed for all
// (so every row is resampled over the same draws of viewers). Nothing when the reference row has
// no values.
void compare_with_reference(std::vector<ListScores>& rows, std::size_t reference,
                            std::uint64_t seed);

}  // namespace feedrank::replay
