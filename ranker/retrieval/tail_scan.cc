#include "ranker/retrieval/tail_scan.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/exact_scan_index.h"
#include "ranker/retrieval/visible_posts.h"

namespace feedrank::ranker {

absl::StatusOr<kernels::SearchResults> search_tail(const kernels::VectorRows& rows,
                                                   std::size_t first_row,
                                                   const kernels::SearchRequest& request) {
  kernels::SearchRequest tail = request;
  tail.first_row = std::max(request.first_row, first_row);
  std::vector<std::size_t> first_rows(request.first_rows.begin(), request.first_rows.end());
  for (std::size_t& row : first_rows) row = std::max(row, first_row);
  tail.first_rows = first_rows;
  // The scan reads the rows in place: "indexing" them is recording their count.
  const auto scan = kernels::make_cpu_exact_index(rows.dimension);
  if (absl::Status status = scan->sync(rows); !status.ok()) return status;
  return scan->search(rows, tail);
}

void merge_tail(const kernels::SearchResults& tail, int k, kernels::SearchResults& results) {
  for (std::size_t q = 0; q < results.size() && q < tail.size(); ++q) {
    if (!tail[q].empty()) results[q] = merge_nearest(results[q], tail[q], k);
  }
}

}  // namespace feedrank::ranker
