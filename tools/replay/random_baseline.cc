#include "tools/replay/random_baseline.h"

#include "absl/container/flat_hash_map.h"
#include "tools/datasets/deterministic_random.h"
#include "tools/replay/list_builder.h"

namespace feedrank::replay {

RandomSource::RandomSource(const PreCutState& state, std::uint64_t seed)
    : state_(state), seed_(seed), live_posts_(state.live_posts()) {}

absl::StatusOr<std::vector<PostId>> RandomSource::list_for(UserId viewer, int k) const {
  // Fisher-Yates drawn lazily: only the swapped slots are remembered, so a list of k costs about
  // k draws however many posts there are, and no post is drawn twice.
  datasets::DeterministicRandom random(seed_ ^ (viewer * 0x9E3779B97F4A7C15ull));
  absl::flat_hash_map<std::size_t, std::size_t> swapped;
  const auto slot = [&](std::size_t i) {
    const auto it = swapped.find(i);
    return it == swapped.end() ? i : it->second;
  };
  ListBuilder builder(state_, viewer, k);
  const std::size_t n = live_posts_.size();
  for (std::size_t i = 0; i < n && !builder.full(); ++i) {
    const std::size_t j = i + random.below(n - i);
    const std::size_t drawn = slot(j);
    swapped[j] = slot(i);
    builder.offer(live_posts_[drawn]);
  }
  return builder.take();
}

}  // namespace feedrank::replay
