// Where in the embedding table the posts of an age window start. Rows are appended as posts
// arrive, mostly in time order, so the rows of recent posts are mostly a suffix of the table;
// this keeps the running maximum of created_at per block of rows, so that every row before the
// returned one is provably older than the window (exact: a late-arriving old post only makes
// the suffix longer). The out-of-network source passes it to the index as SearchRequest's
// first_row, and the exact scan then reads only the window's rows instead of the whole table.
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

 private:
  std::vector<TimestampMs> prefix_max_;  // per block: max created_at of all rows up to its end
  std::size_t rows_ = 0;
};

}  // namespace feedrank::ranker
