#include "tools/simulate/engagement_model.h"

#include <algorithm>
#include <cmath>

namespace feedrank::simulate {
namespace {

std::int64_t like_delay(SimulationRandom& random) {
  return 1 + static_cast<std::int64_t>(random.below(kMaxLikeDelayMs));
}

}  // namespace

double engagement_probability(const EngagementModel& model, double taste, std::size_t position) {
  const double attention =
      std::pow(1.0 / (1.0 + static_cast<double>(position)), model.position_bias);
  return std::min(1.0, model.base * taste * attention);
}

std::vector<SimulatedLike> like_page(const World& world, const EngagementModel& model,
                                     std::size_t viewer, std::span<const std::uint64_t> post_ids,
                                     std::int64_t served_at_ms, LikedPosts& liked,
                                     SimulationRandom& random) {
  const std::span<const double> taste = world.taste(viewer);
  std::vector<SimulatedLike> likes;
  for (std::size_t position = 0; position < post_ids.size(); ++position) {
    // The same draws for every item whatever happens to it, so that one item's fate never
    // shifts the next one's.
    const double draw = random.uniform();
    const std::int64_t delay_ms = like_delay(random);
    const std::uint64_t post = post_ids[position];
    const auto topic = world.topic_of(post);
    if (!topic || liked.contains(viewer, post)) continue;
    if (draw >= engagement_probability(model, taste[*topic], position)) continue;
    liked.insert(viewer, post);
    likes.push_back({world.viewer_id(viewer), post, served_at_ms + delay_ms});
  }
  return likes;
}

std::optional<SimulatedLike> like_organically(const World& world, const EngagementModel& model,
                                              std::size_t viewer, std::int64_t now_ms,
                                              LikedPosts& liked, SimulationRandom& random) {
  if (!random.chance(model.organic)) return std::nullopt;
  const auto post = world.pick_post_for_taste(viewer, random);
  if (!post || !liked.insert(viewer, *post)) return std::nullopt;
  return SimulatedLike{world.viewer_id(viewer), *post, now_ms + like_delay(random)};
}

}  // namespace feedrank::simulate
