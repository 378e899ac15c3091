// Which viewers the replay judges: users that existed before the cut (created earlier) with at
// least one ground-truth post; when there are more than `max_viewers`, a seeded sample of them.
#pragma once

#include <cstdint>
#include <vector>

#include "tools/replay/corpus_cut.h"

namespace feedrank::replay {

struct ViewerSample {
  std::vector<UserId> viewers;  // ascending ids
  std::size_t eligible = 0;     // before sampling
};

// The same cut, max_viewers and seed give the same viewers on every machine.
ViewerSample judged_viewers(const CorpusCut& cut, int max_viewers, std::uint64_t seed);

}  // namespace feedrank::replay
