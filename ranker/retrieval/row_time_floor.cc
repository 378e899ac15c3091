#include "ranker/retrieval/row_time_floor.h"

#include <algorithm>

namespace feedrank::ranker {

void RowTimeFloor::append(TimestampMs created_at) {
  if (rows_ % kBlockRows == 0) {
    prefix_max_.push_back(prefix_max_.empty() ? created_at
                                              : std::max(prefix_max_.back(), created_at));
    block_min_.push_back(created_at);
  } else {
    prefix_max_.back() = std::max(prefix_max_.back(), created_at);
    block_min_.back() = std::min(block_min_.back(), created_at);
  }
  ++rows_;
}

std::size_t RowTimeFloor::end_row_until(TimestampMs newest) const {
  std::size_t block = block_min_.size();
  while (block > 0 && block_min_[block - 1] > newest) --block;
  return block == block_min_.size() ? rows_ : block * kBlockRows;
}

std::size_t RowTimeFloor::first_row_since(TimestampMs oldest) const {
  // prefix_max_ never decreases: the blocks before the first one reaching `oldest` hold only
  // older posts.
  const auto first = std::lower_bound(prefix_max_.begin(), prefix_max_.end(), oldest);
  return std::min(rows_, static_cast<std::size_t>(first - prefix_max_.begin()) * kBlockRows);
}

}  // namespace feedrank::ranker
