// Which viewers the fit holds out to check itself honestly: decided by a seeded hash of the id
// alone, so the split is the same on every machine and whichever viewers were sampled.
#pragma once

#include <cstdint>

#include "store/records.h"

namespace feedrank::fit {

// True for about `fraction` (0..1) of all ids.
bool is_held_out(UserId viewer, std::uint64_t seed, double fraction);

}  // namespace feedrank::fit
