// A time-decayed weighted mean of vectors, updated in O(dimension) per added vector: a weighted
// sum, its total weight, and the time both are expressed at. A contribution of weight w added
// at time t counts as w * 2^(-(T - t) / half_life) at any later time T. Because sum and weight
// decay by the same factor, the mean itself does not change with the reading time; the decayed
// weight does, and is what lets several means be pooled fairly (see accumulate_at).
#pragma once

#include <span>
#include <vector>

#include "store/records.h"

namespace feedrank::embeddings {

// 2^(-elapsed / half_life); 1 when elapsed <= 0.
double decay_factor(TimestampMs elapsed, TimestampMs half_life_ms);

class DecayedMean {
 public:
  DecayedMean() = default;

  // Adds `weight * vector` at time `at`. The stored sum is decayed to max(as_of, at); an event
  // older than as_of is decayed instead, so out-of-order events give the same result as sorted
  // ones. Allocates only on the first add (the sum's dimension comes from the first vector);
  // later vectors must have the same size.
  void add(std::span<const float> vector, double weight, TimestampMs at, TimestampMs half_life_ms);

  bool empty() const { return weight_ <= 0.0; }
  TimestampMs as_of() const { return as_of_; }
  // Total weight at as_of().
  double weight() const { return weight_; }
  // The weighted sum at as_of(); empty before the first add.
  std::span<const float> sum() const { return sum_; }
  double weight_at(TimestampMs now, TimestampMs half_life_ms) const;

  // Writes the mean into `out` (size = dimension); false and zeros when empty.
  bool mean(std::span<float> out) const;
  // out += sum decayed to `now`; returns the weight decayed to `now`. Times after `now` count as
  // `now` (a clock skew must not let one mean outweigh the rest without bound).
  double accumulate_at(TimestampMs now, TimestampMs half_life_ms, std::span<float> out) const;

  // For restoring a persisted state exactly; `sum` empty means the mean is empty.
  void assign(std::span<const float> sum, double weight, TimestampMs as_of);

 private:
  std::vector<float> sum_;
  double weight_ = 0.0;
  TimestampMs as_of_ = 0;
};

}  // namespace feedrank::embeddings
