// How a simulated viewer reacts to a feed page: the item at 0-based position p is liked,
// independently of the others, with probability
//   min(1, base * taste[topic of the post] * (1 / (1 + p))^position_bias)
// (position bias: people look at the top of a feed more than at the rest), at the time the page
// was served plus a few minutes. A post the world did not create has no topic (probability 0),
// and nobody likes a post twice. Besides the feed, now and then a viewer likes an on-taste post
// they found elsewhere: engagements no impression explains.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_set>
#include <vector>

#include "tools/simulate/simulation_random.h"
#include "tools/simulate/world.h"

namespace feedrank::simulate {

struct EngagementModel {
  double base = 0.5;
  double position_bias = 1.0;
  double organic = 0.05;  // chance per viewer and round of one like found outside the feed
};

// A like comes this long after the page: 1..kMaxLikeDelayMs, well inside any attribution window.
inline constexpr std::int64_t kMaxLikeDelayMs = 10 * 60 * 1000;

double engagement_probability(const EngagementModel& model, double taste, std::size_t position);

// The posts each viewer (by index) has liked. Different viewers may be updated from different
// threads at once; one viewer from one thread at a time.
class LikedPosts {
 public:
  explicit LikedPosts(std::size_t viewers) : liked_(viewers) {}
  bool contains(std::size_t viewer, std::uint64_t post) const {
    return liked_[viewer].contains(post);
  }
  bool insert(std::size_t viewer, std::uint64_t post) { return liked_[viewer].insert(post).second; }

 private:
  std::vector<std::unordered_set<std::uint64_t>> liked_;
};

// The likes `viewer` gives a page of `post_ids` (in feed order, from position 0) served at
// `served_at_ms`; marks them in `liked`.
std::vector<SimulatedLike> like_page(const World& world, const EngagementModel& model,
                                     std::size_t viewer, std::span<const std::uint64_t> post_ids,
                                     std::int64_t served_at_ms, LikedPosts& liked,
                                     SimulationRandom& random);

// With probability model.organic, a like of an on-taste post the viewer has not liked yet, a few
// minutes after `now_ms`; marks it in `liked`.
std::optional<SimulatedLike> like_organically(const World& world, const EngagementModel& model,
                                              std::size_t viewer, std::int64_t now_ms,
                                              LikedPosts& liked, SimulationRandom& random);

}  // namespace feedrank::simulate
