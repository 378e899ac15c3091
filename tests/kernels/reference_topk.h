// Brute-force top-k for the backend tests: every live, non-excluded row scored in double
// precision, then put in result order. Slow and obviously right.
#pragma once

#include <algorithm>
#include <vector>

#include "kernels/search_checks.h"
#include "kernels/vector_index.h"

namespace feedrank::kernels::testing {

inline SearchResults reference_topk(const VectorRows& rows, const SearchRequest& request) {
  const auto d = static_cast<std::size_t>(rows.dimension);
  const std::size_t count = request.queries.size() / d;
  SearchResults results(count);
  for (std::size_t q = 0; q < count; ++q) {
    const float* query = request.queries.data() + q * d;
    std::vector<Neighbor> all;
    for (std::size_t r = 0; r < rows.rows; ++r) {
      if (is_tombstoned(rows, r)) continue;
      if (!request.first_rows.empty() && r < request.first_rows[q]) continue;
      if (r >= request.end_row) continue;
      if (!request.exclude.empty()) {
        const auto& ex = request.exclude[q];
        if (std::find(ex.begin(), ex.end(), rows.ids[r]) != ex.end()) continue;
      }
      double score = 0.0;
      for (std::size_t i = 0; i < d; ++i) score += double{query[i]} * rows.data[r * d + i];
      all.push_back({rows.ids[r], static_cast<float>(score)});
    }
    sort_and_truncate(all, request.k);
    results[q] = std::move(all);
  }
  return results;
}

}  // namespace feedrank::kernels::testing
