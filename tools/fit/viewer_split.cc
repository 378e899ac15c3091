#include "tools/fit/viewer_split.h"

#include "common/split_mix64.h"

namespace feedrank::fit {
namespace {

// Uniform in [0, 1).
double unit_hash(UserId viewer, std::uint64_t seed) {
  const std::uint64_t hash = split_mix64_hash(viewer ^ split_mix64_hash(seed));
  return static_cast<double>(hash >> 11) * 0x1p-53;
}

}  // namespace

bool is_held_out(UserId viewer, std::uint64_t seed, double fraction) {
  return unit_hash(viewer, seed) < fraction;
}

ViewerRole viewer_role(UserId viewer, std::uint64_t seed, double held_out_fraction) {
  const double u = unit_hash(viewer, seed);
  if (!(u < held_out_fraction)) return ViewerRole::kTrain;
  return u < held_out_fraction / 2 ? ViewerRole::kValidation : ViewerRole::kTest;
}

}  // namespace feedrank::fit
