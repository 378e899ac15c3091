// SplitMix64 (Steele, Lea and Flood 2014): fully specified integer arithmetic, so what it drives
// (team-draft coins, request ids, the simulator's streams, fit's held-out viewers) is the same on
// every machine and standard library. Changing it changes every seeded result and every
// interleaved page already served and logged.
#pragma once

#include <cstdint>

namespace feedrank {

// The generator's increment: 2^64 divided by the golden ratio, odd.
inline constexpr std::uint64_t kSplitMix64Gamma = 0x9e3779b97f4a7c15ULL;

// SplitMix64's finaliser: a bijection of 64-bit words that spreads every input bit over the
// output, so distinct inputs (counters, say) give distinct outputs.
constexpr std::uint64_t split_mix64_finalise(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The first output of SplitMix64 seeded with `x`: a hash of one word under which consecutive
// words land far apart.
constexpr std::uint64_t split_mix64_hash(std::uint64_t x) {
  return split_mix64_finalise(x + kSplitMix64Gamma);
}

class SplitMix64 {
 public:
  explicit constexpr SplitMix64(std::uint64_t seed) : state_(seed) {}

  constexpr std::uint64_t next() {
    state_ += kSplitMix64Gamma;
    return split_mix64_finalise(state_);
  }

 private:
  std::uint64_t state_;
};

// The published reference: the first output for seed 0.
static_assert(SplitMix64(0).next() == 0xe220a8397b1dcdafULL);
static_assert(split_mix64_hash(0) == 0xe220a8397b1dcdafULL);

}  // namespace feedrank
