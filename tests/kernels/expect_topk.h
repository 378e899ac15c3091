// Compares a backend's results with reference_topk up to float rounding: ids may differ from the
// reference only where scores tie within the tolerance. Approximate backends get the validity
// half of the check plus a recall bound.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "kernels/search_checks.h"
#include "tests/kernels/synthetic_vectors.h"

namespace feedrank::kernels::testing {

inline bool close_scores(double a, double b) {
  return std::abs(a - b) <= 1e-5 * std::max(1.0, std::abs(b));
}

// At most k results per query, in result order; every id a distinct row that the query may
// return (live, not excluded) whose exact score matches the reported one.
inline void expect_valid_results(const SearchResults& actual, const SyntheticMatrix& matrix,
                                 const SearchRequest& request) {
  const auto d = static_cast<std::size_t>(matrix.dimension);
  const VectorRows rows = matrix.view();
  ASSERT_EQ(actual.size(), request.queries.size() / d);
  for (std::size_t q = 0; q < actual.size(); ++q) {
    ASSERT_LE(actual[q].size(), static_cast<std::size_t>(request.k));
    std::set<VectorId> seen;
    for (std::size_t i = 0; i < actual[q].size(); ++i) {
      const Neighbor& a = actual[q][i];
      if (i > 0) {
        ASSERT_FALSE(ranks_before(a, actual[q][i - 1])) << "query " << q << " rank " << i;
      }
      ASSERT_TRUE(seen.insert(a.id).second) << "query " << q << ": id " << a.id << " twice";
      const std::size_t row = SyntheticMatrix::row_of(a.id);
      ASSERT_TRUE(row < matrix.rows() && SyntheticMatrix::id_of(row) == a.id) << a.id;
      ASSERT_FALSE(is_tombstoned(rows, row)) << "query " << q << ": deleted id " << a.id;
      if (!request.exclude.empty()) {
        const auto& ex = request.exclude[q];
        ASSERT_EQ(std::find(ex.begin(), ex.end(), a.id), ex.end())
            << "query " << q << ": excluded id " << a.id;
      }
      double exact = 0.0;
      for (std::size_t j = 0; j < d; ++j)
        exact += double{request.queries[q * d + j]} * matrix.data[row * d + j];
      ASSERT_TRUE(close_scores(a.score, exact)) << "id " << a.id << " reported " << a.score
                                                << ", exact " << exact;
    }
  }
}

// Valid, the same count per query as the reference and the same scores rank by rank: a
// correct top-k, whatever order the backend broke exact ties in.
inline void expect_same_topk(const SearchResults& actual, const SearchResults& expected,
                             const SyntheticMatrix& matrix, const SearchRequest& request) {
  expect_valid_results(actual, matrix, request);
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t q = 0; q < expected.size(); ++q) {
    ASSERT_EQ(actual[q].size(), expected[q].size()) << "query " << q;
    for (std::size_t i = 0; i < actual[q].size(); ++i) {
      ASSERT_TRUE(close_scores(actual[q][i].score, expected[q][i].score))
          << "query " << q << " rank " << i << ": score " << actual[q][i].score
          << ", reference " << expected[q][i].score;
    }
  }
}

}  // namespace feedrank::kernels::testing
