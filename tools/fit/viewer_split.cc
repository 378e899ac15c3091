#include "tools/fit/viewer_split.h"

namespace feedrank::fit {
namespace {

// SplitMix64's finaliser: consecutive ids land far apart.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

bool is_held_out(UserId viewer, std::uint64_t seed, double fraction) {
  const std::uint64_t hash = mix(viewer ^ mix(seed));
  return static_cast<double>(hash >> 11) * 0x1p-53 < fraction;  // uniform in [0, 1)
}

}  // namespace feedrank::fit
