// The simulator's random numbers: the same on every machine for a seed. std::mt19937_64 is fully
// specified by the standard, std::uniform_*_distribution is not, so doubles come from raw bits
// here. Each purpose (a viewer's taste, one viewer's reaction to one round's page, ...) draws from
// its own stream, derived from the seed and keys: results do not depend on the order threads run
// in, and adding a draw in one place shifts nothing elsewhere.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <span>

#include "common/split_mix64.h"

namespace feedrank::simulate {

// What a stream is for; part of its key.
enum class RandomPurpose : std::uint64_t {
  kViewer = 1,    // taste and follows, per viewer
  kHistoryPosts,  // per author
  kHistoryLikes,  // per viewer
  kRoundPosts,    // per round and author
  kFeedLikes,     // per round and viewer
  kOrganicLikes,  // per round and viewer
};

class SimulationRandom {
 public:
  explicit SimulationRandom(std::uint64_t seed) : engine_(seed) {}

  // The stream for `purpose` and up to two keys (a round, a viewer, an author) under `seed`.
  static SimulationRandom stream(std::uint64_t seed, RandomPurpose purpose, std::uint64_t key = 0,
                                 std::uint64_t second_key = 0) {
    std::uint64_t state = split_mix64_finalise(seed);
    for (const std::uint64_t part : {static_cast<std::uint64_t>(purpose), key, second_key}) {
      state = split_mix64_finalise(state ^ split_mix64_hash(part));
    }
    return SimulationRandom(state);
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  bool chance(double probability) { return uniform() < probability; }

  // Uniform in [0, n), n > 0. Scaling a double leaves a bias below n / 2^53: nothing a
  // simulation of this size can see.
  std::uint64_t below(std::uint64_t n) {
    return std::min<std::uint64_t>(n - 1, static_cast<std::uint64_t>(uniform() * n));
  }

  // An index drawn with probability proportional to its weight (weights >= 0, sum > 0).
  std::size_t pick(std::span<const double> weights) {
    double total = 0;
    for (const double weight : weights) total += weight;
    double target = uniform() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (target < weights[i]) return i;
      target -= weights[i];
    }
    // Rounding left the target at the very end: the last index that can be drawn at all.
    std::size_t last = weights.size() - 1;
    while (last > 0 && weights[last] <= 0) --last;
    return last;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace feedrank::simulate
