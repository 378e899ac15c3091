// Random numbers that are the same on every machine for a given seed. std::mt19937_64 is fully
// specified by the standard but std::uniform_*_distribution and std::shuffle are not, so the
// mapping from raw 64-bit values to ranges is done here with integer arithmetic only.
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace feedrank::datasets {

class DeterministicRandom {
 public:
  explicit DeterministicRandom(std::uint64_t seed) : engine_(seed) {}

  // Uniform in [0, n), n > 0; rejection sampling avoids the modulo bias.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t value;
    do {
      value = engine_();
    } while (value >= limit);
    return value % n;
  }

  // True with probability percent / 100.
  bool percent(std::uint64_t percent) { return below(100) < percent; }

  template <typename T>
  void shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) std::swap(items[i - 1], items[below(i)]);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace feedrank::datasets
