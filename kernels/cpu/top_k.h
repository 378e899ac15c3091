// The k best neighbours seen so far. Candidates that beat the current cut-off are appended to a
// buffer of up to 2k; when it fills, a selection keeps the best k and raises the cut-off. That is
// O(1) per candidate amortised, where a heap of k = 1000 cost a cache-missing sift per candidate.
#pragma once

#include <algorithm>
#include <limits>
#include <vector>

#include "kernels/search_checks.h"
#include "kernels/vector_index.h"

namespace feedrank::kernels::cpu {

class TopK {
 public:
  explicit TopK(int k) : k_(static_cast<std::size_t>(k)) {}

  // Scores below this cannot enter (-infinity until the first selection).
  float threshold() const { return cut_.score; }

  // Keeps `candidate` if it may be among the k best: it ranks before the k-th best of the last
  // selection (ties by smaller id). NaN scores never enter.
  void push(const Neighbor& candidate) {
    if (!ranks_before(candidate, cut_)) return;
    if (buffer_.empty()) buffer_.reserve(2 * k_);
    buffer_.push_back(candidate);
    if (buffer_.size() == 2 * k_) select();
  }

  // At least the k best pushed (more when no selection ran since), in no particular order.
  const std::vector<Neighbor>& entries() const { return buffer_; }

 private:
  void select() {
    std::nth_element(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(k_ - 1),
                     buffer_.end(), ranks_before);
    buffer_.resize(k_);
    cut_ = buffer_[k_ - 1];
  }

  std::size_t k_;
  std::vector<Neighbor> buffer_;
  // The k-th best of the last selection; until then one that every non-NaN score beats.
  Neighbor cut_{std::numeric_limits<VectorId>::max(), -std::numeric_limits<float>::infinity()};
};

}  // namespace feedrank::kernels::cpu
