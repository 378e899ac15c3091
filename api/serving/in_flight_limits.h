// A bound on the calls each RPC method may have in flight at once. A call past it is refused at
// once (RESOURCE_EXHAUSTED) rather than queued, so that under overload the calls that are
// accepted keep their latency and callers learn to back off.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "common/bounded_count.h"

namespace feedrank::api::serving {

class InFlightLimits {
 public:
  // One slot per method, limits[i] for methods[i] (at least 1 each).
  InFlightLimits(std::vector<std::string> methods, std::vector<int> limits);

  using Slot = BoundedCount::Slot;  // holds one of a method's slots until destroyed

  // A slot of method `index`, or nothing when its limit is reached.
  std::optional<Slot> try_acquire(std::size_t index) { return counts_[index].try_acquire(); }

  std::size_t method_count() const { return methods_.size(); }
  const std::string& method(std::size_t index) const { return methods_[index]; }
  int limit(std::size_t index) const { return counts_[index].limit(); }
  int in_flight(std::size_t index) const { return counts_[index].held(); }

 private:
  std::vector<std::string> methods_;
  std::deque<BoundedCount> counts_;  // a deque: the counts never move
};

}  // namespace feedrank::api::serving
