// Where in the embedding table the posts of a time window start and end. Rows are appended as
// posts arrive, mostly in time order, so the rows of recent posts are mostly a suffix of the
// table; this keeps the running maximum of created_at per block of rows, so that every row
// before the window's first row is provably older than the window (exact: a late-arriving old
// post only makes the suffix longer), and each block's minimum, so that every row from the
// window's end row on is provably newer than it (a feed asked as of a past time). The
// out-of-network source passes them to the index as SearchRequest's first_row and end_row, and
// the exact scan then reads only the window's rows instead of the whole table.
// Not thread-safe: the owner locks.
#pragma once

#include <cstddef>
#include <vector>

#include "store/records.h"

namespace feedrank::ranker {

class RowTimeFloor {
 public:
  static constexpr std::size_t kBlockRows = 1024;

  // Row `rows()` was appended with this creation time.
  void append(TimestampMs created_at);
  std::size_t rows() const { return rows_; }
  // The first row that may hold a post created at or after `oldest` (a multiple of kBlockRows;
  // rows() when none may).
  std::size_t first_row_since(TimestampMs oldest) const;
  // A row from which on every row holds a post created after `newest` (a multiple of
  // kBlockRows, or rows(); rows() when the last block holds one at or before it). Walks the
  // blocks back from the end: as many as hold only newer posts.
  std::size_t end_row_until(TimestampMs newest) const;

 private:
  std::vector<TimestampMs> prefix_max_;  // per block: max created_at of all rows up to its end
  std::vector<TimestampMs> block_min_;   // per block: min created_at of its rows
  std::size_t rows_ = 0;
};

}  // namespace feedrank::ranker
