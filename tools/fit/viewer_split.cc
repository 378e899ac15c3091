#include "tools/fit/viewer_split.h"

#include "common/split_mix64.h"

namespace feedrank::fit {

bool is_held_out(UserId viewer, std::uint64_t seed, double fraction) {
  const std::uint64_t hash = split_mix64_hash(viewer ^ split_mix64_hash(seed));
  return static_cast<double>(hash >> 11) * 0x1p-53 < fraction;  // uniform in [0, 1)
}

}  // namespace feedrank::fit
