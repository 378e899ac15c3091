// The exact answer over the rows a deferred index has not indexed yet (post_index.h), or over a
// request's whole window when it ends inside the table: the CPU exact scan over rows
// [first_row, rows.rows), with the request's exclude lists and first and end rows.
#pragma once

#include <cstddef>

#include "absl/status/statusor.h"
#include "kernels/vector_index.h"

namespace feedrank::ranker {

// The request's results among rows [first_row, rows.rows) only, within its own first and end
// rows. Errors as the exact scan's (INVALID_ARGUMENT naming the field for a malformed request).
absl::StatusOr<kernels::SearchResults> search_tail(const kernels::VectorRows& rows,
                                                   std::size_t first_row,
                                                   const kernels::SearchRequest& request);

// Merges `tail` into `results`, query by query: the best k of both, in the index's order.
void merge_tail(const kernels::SearchResults& tail, int k, kernels::SearchResults& results);

}  // namespace feedrank::ranker
