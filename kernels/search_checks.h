// The checks and result ordering every VectorIndex backend shares, so that all of them reject
// the same bad input with the same messages and order ties the same way.
#pragma once

#include <chrono>
#include <span>

#include "absl/status/status.h"
#include "kernels/vector_index.h"

namespace feedrank::kernels {

// INVALID_ARGUMENT naming the field for a VectorRows whose dimension differs from `dimension`,
// or whose pointers are null while rows > 0.
absl::Status check_rows(const VectorRows& rows, int dimension);

// For sync() and search(): check_rows, and at least `indexed_rows` rows (the matrix is
// append-only, so fewer means it is not the matrix that was indexed).
absl::Status check_rows_cover(const VectorRows& rows, int dimension, std::size_t indexed_rows);

// The search() contract of VectorIndex: k, query shape and values, exclude list count;
// FAILED_PRECONDITION when `indexed_rows` is 0; and search_deadline_passed() when it has.
absl::Status check_search(const SearchRequest& request, int dimension, std::size_t indexed_rows);

// Whether the request's deadline (or this one) has passed, and the error a backend then returns.
bool past_deadline(const SearchRequest& request);
bool past_deadline(std::chrono::steady_clock::time_point deadline);
absl::Status search_deadline_passed();

// Number of queries in a checked request.
std::size_t query_count(const SearchRequest& request, int dimension);

// Whether row r is deleted.
inline bool is_tombstoned(const VectorRows& rows, std::size_t r) {
  return rows.tombstone_words != nullptr && ((tombstone_word(rows, r / 64) >> (r % 64)) & 1) != 0;
}

// The result order: score descending, then id ascending.
inline bool ranks_before(const Neighbor& a, const Neighbor& b) {
  return a.score != b.score ? a.score > b.score : a.id < b.id;
}

// Sorts `neighbors` into result order and keeps the first k.
void sort_and_truncate(std::vector<Neighbor>& neighbors, int k);

}  // namespace feedrank::kernels
