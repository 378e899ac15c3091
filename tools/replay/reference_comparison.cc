#include "tools/replay/reference_comparison.h"

namespace feedrank::replay {
namespace {

bool has_values(const ListScores& row) {
  return row.unavailable.empty() && !row.viewer_ndcg_at_10.empty();
}

}  // namespace

void compare_with_reference(std::vector<ListScores>& rows, std::size_t reference,
                            std::uint64_t seed) {
  const ListScores& base = rows.at(reference);
  if (!has_values(base)) return;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ListScores& row = rows[i];
    // Every row judges the same viewers in the same order; a row cut short has no pairs.
    if (i == reference || !has_values(row) ||
        row.viewer_ndcg_at_10.size() != base.viewer_ndcg_at_10.size()) {
      continue;
    }
    row.ndcg_at_10_vs_reference =
        paired_bootstrap(row.viewer_ndcg_at_10, base.viewer_ndcg_at_10, seed);
  }
}

}  // namespace feedrank::replay
