#include "tools/fit/viewer_split.h"

#include "common/split_mix64.h"

namespace feedrank::fit {

ViewerRole viewer_role(UserId viewer, std::uint64_t seed, double held_out_fraction) {
  const std::uint64_t hash = split_mix64_hash(viewer ^ split_mix64_hash(seed));
  const double u = static_cast<double>(hash >> 11) * 0x1p-53;  // uniform in [0, 1)
  if (!(u < held_out_fraction)) return ViewerRole::kTrain;
  return u < held_out_fraction / 2 ? ViewerRole::kValidation : ViewerRole::kTest;
}

}  // namespace feedrank::fit
