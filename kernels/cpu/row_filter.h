// Which rows one query may return: not tombstoned, not on its exclude list, where the caller
// gave per-query first rows not before the query's own, and before its end row. Shared by the CPU exact scan and the
// FAISS backend (as an IDSelector), so both skip exactly the same rows.
#pragma once

#include <limits>
#include <span>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "kernels/search_checks.h"
#include "kernels/vector_index.h"

namespace feedrank::kernels::cpu {

class RowFilter {
 public:
  RowFilter(const VectorRows& rows, bool any_tombstone, std::span<const VectorId> exclude,
            std::size_t first_row = 0,
            std::size_t end_row = std::numeric_limits<std::size_t>::max())
      : rows_(&rows),
        tombstones_(any_tombstone),
        first_row_(first_row),
        end_row_(end_row),
        exclude_(exclude.begin(), exclude.end()) {}

  bool allows(std::size_t row) const {
    return row >= first_row_ && row < end_row_ && !(tombstones_ && is_tombstoned(*rows_, row)) &&
           (exclude_.empty() || !exclude_.contains(rows_->ids[row]));
  }

  // Rows before this one are never allowed.
  std::size_t first_row() const { return first_row_; }

  // False when every row is allowed, so that callers can skip the filter altogether.
  bool filters_anything() const {
    return tombstones_ || first_row_ > 0 || end_row_ != std::numeric_limits<std::size_t>::max() ||
           !exclude_.empty();
  }

 private:
  const VectorRows* rows_;
  bool tombstones_;
  std::size_t first_row_;
  std::size_t end_row_;
  absl::flat_hash_set<VectorId> exclude_;
};

// Whether any of rows [0, row_count) is tombstoned (a word scan: 2 us per million rows).
inline bool any_tombstoned(const VectorRows& rows, std::size_t row_count) {
  if (rows.tombstone_words == nullptr) return false;
  const std::size_t words = (row_count + 63) / 64;
  for (std::size_t w = 0; w < words; ++w) {
    std::uint64_t bits = tombstone_word(rows, w);
    if (w == words - 1 && row_count % 64 != 0) bits &= (std::uint64_t{1} << (row_count % 64)) - 1;
    if (bits != 0) return true;
  }
  return false;
}

// One filter per query of a checked request, over rows [0, row_count).
inline std::vector<RowFilter> row_filters(const VectorRows& rows, std::size_t row_count,
                                          const SearchRequest& request, std::size_t query_count) {
  const bool tombstones = any_tombstoned(rows, row_count);
  std::vector<RowFilter> filters;
  filters.reserve(query_count);
  for (std::size_t q = 0; q < query_count; ++q) {
    const auto exclude = request.exclude.empty() ? std::span<const VectorId>{}
                                                 : std::span<const VectorId>(request.exclude[q]);
    filters.emplace_back(rows, tombstones, exclude,
                         request.first_rows.empty() ? 0 : request.first_rows[q],
                         request.end_row);
  }
  return filters;
}

}  // namespace feedrank::kernels::cpu
