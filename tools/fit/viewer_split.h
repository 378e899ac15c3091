// Which viewers the fit holds out to check itself honestly: decided by a seeded hash of the id
// alone, so the split is the same on every machine and whichever viewers were sampled. The
// held-out viewers are split again by the same hash: half choose the settings (validation), the
// other half only measure the result (test), so the figures reported are not the ones the
// choices were made to favour.
#pragma once

#include <cstdint>

#include "store/records.h"

namespace feedrank::fit {

enum class ViewerRole { kTrain, kValidation, kTest };

// kTrain for about 1 - `held_out_fraction` (0..1) of all ids; of the others about half are
// kValidation and the rest kTest.
ViewerRole viewer_role(UserId viewer, std::uint64_t seed, double held_out_fraction);

}  // namespace feedrank::fit
