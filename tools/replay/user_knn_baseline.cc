#include "tools/replay/user_knn_baseline.h"

#include <algorithm>
#include <cmath>

#include "tools/replay/list_builder.h"
#include "tools/replay/popularity_baselines.h"
#include "tools/replay/scored_posts.h"

namespace feedrank::replay {

UserKnnSource::UserKnnSource(const PreCutState& state, int neighbours)
    : state_(state), neighbours_(neighbours), popularity_(popularity_order(state)) {
  for (const auto& [user, posts] : state.engaged) {
    for (PostId post : posts) engagers_[post].push_back(user);
  }
}

std::vector<Neighbour> UserKnnSource::neighbours_of(UserId viewer) const {
  const auto own = state_.engaged.find(viewer);
  if (own == state_.engaged.end() || own->second.empty()) return {};
  // |A n B| for every user B sharing a post with the viewer, through the columns.
  absl::flat_hash_map<UserId, double> overlap;
  for (PostId post : own->second) {
    for (UserId other : engagers_.at(post)) {
      if (other != viewer) ++overlap[other];
    }
  }
  const double own_size = static_cast<double>(own->second.size());
  std::vector<Neighbour> all;
  all.reserve(overlap.size());
  for (const auto& [other, shared] : overlap) {
    const double other_size = static_cast<double>(state_.engaged.at(other).size());
    all.push_back({other, shared / std::sqrt(own_size * other_size)});
  }
  const auto more_similar = [](const Neighbour& a, const Neighbour& b) {
    return a.similarity != b.similarity ? a.similarity > b.similarity : a.user < b.user;
  };
  const std::size_t kept = std::min(all.size(), static_cast<std::size_t>(neighbours_));
  std::partial_sort(all.begin(), all.begin() + kept, all.end(), more_similar);
  all.resize(kept);
  return all;
}

std::vector<PostId> UserKnnSource::ranking_for(UserId viewer) const {
  absl::flat_hash_map<PostId, double> score;
  for (const Neighbour& neighbour : neighbours_of(viewer)) {
    for (PostId post : state_.engaged.at(neighbour.user)) score[post] += neighbour.similarity;
  }
  std::vector<PostScore> scores;
  scores.reserve(score.size());
  for (const auto& [post, value] : score) scores.push_back({post, value});
  return best_first(std::move(scores), state_);
}

absl::StatusOr<std::vector<PostId>> UserKnnSource::list_for(UserId viewer, int k) const {
  ListBuilder builder(state_, viewer, k);
  builder.offer_all(ranking_for(viewer));
  builder.offer_all(popularity_);  // the builder skips what the neighbours' posts already hold
  return builder.take();
}

}  // namespace feedrank::replay
