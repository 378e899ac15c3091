#include "tools/replay/viewer_sample.h"

#include <algorithm>

#include "tools/datasets/deterministic_random.h"

namespace feedrank::replay {

ViewerSample judged_viewers(const CorpusCut& cut, int max_viewers, std::uint64_t seed) {
  ViewerSample sample;
  for (const auto& [viewer, truth] : cut.truth) {
    const auto created = cut.state.user_created_at.find(viewer);
    if (truth.empty() || created == cut.state.user_created_at.end()) continue;
    if (created->second < cut.state.cut) sample.viewers.push_back(viewer);
  }
  // Sorted first: the hash map's order is not the same everywhere, the sample must be.
  std::sort(sample.viewers.begin(), sample.viewers.end());
  sample.eligible = sample.viewers.size();
  if (max_viewers >= 0 && sample.viewers.size() > static_cast<std::size_t>(max_viewers)) {
    datasets::DeterministicRandom random(seed);
    random.shuffle(sample.viewers);
    sample.viewers.resize(static_cast<std::size_t>(max_viewers));
    std::sort(sample.viewers.begin(), sample.viewers.end());
  }
  return sample;
}

}  // namespace feedrank::replay
