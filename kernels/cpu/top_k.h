// The k best neighbours seen so far, in a bounded heap whose front is the worst kept entry, so
// that a candidate costs one comparison unless it beats that entry.
#pragma once

#include <algorithm>
#include <limits>
#include <vector>

#include "kernels/search_checks.h"
#include "kernels/vector_index.h"

namespace feedrank::kernels::cpu {

class TopK {
 public:
  explicit TopK(int k) : k_(static_cast<std::size_t>(k)) { heap_.reserve(k_); }

  // Scores below this cannot enter; -infinity until k entries are kept.
  float threshold() const {
    return heap_.size() < k_ ? -std::numeric_limits<float>::infinity() : heap_.front().score;
  }

  // Keeps `candidate` if it ranks before the worst kept entry (ties by smaller id).
  void push(const Neighbor& candidate) {
    if (heap_.size() < k_) {
      heap_.push_back(candidate);
      std::push_heap(heap_.begin(), heap_.end(), ranks_before);
    } else if (ranks_before(candidate, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), ranks_before);
      heap_.back() = candidate;
      std::push_heap(heap_.begin(), heap_.end(), ranks_before);
    }
  }

  // The kept entries, in no particular order.
  const std::vector<Neighbor>& entries() const { return heap_; }

 private:
  std::size_t k_;
  std::vector<Neighbor> heap_;
};

}  // namespace feedrank::kernels::cpu
