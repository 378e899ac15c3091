// Picking a setting from a grid by a held-out measure: the lowest cost wins, and costs that differ
// by rounding only (a relative 1e-9: the regression stops at a tolerance of 1e-8) are ties, which
// a fixed preference settles, so a choice never hangs on the last bits of a sum.
#pragma once

#include <cassert>
#include <cmath>
#include <cstddef>
#include <span>

namespace feedrank::fit {

// The index of the lowest cost; among the costs tied with it, the one `before(a, b)` puts first.
template <class Before>
std::size_t lowest_cost(std::span<const double> costs, Before before) {
  assert(!costs.empty());
  std::size_t lowest = 0;
  for (std::size_t i = 1; i < costs.size(); ++i) {
    if (costs[i] < costs[lowest]) lowest = i;
  }
  const double tolerance = 1e-9 * std::abs(costs[lowest]);
  std::size_t chosen = lowest;
  for (std::size_t i = 0; i < costs.size(); ++i) {
    if (costs[i] - costs[lowest] <= tolerance && before(i, chosen)) chosen = i;
  }
  return chosen;
}

}  // namespace feedrank::fit
