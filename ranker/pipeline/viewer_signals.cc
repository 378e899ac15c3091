#include "ranker/pipeline/viewer_signals.h"

#include <algorithm>
#include <cmath>

#include "embeddings/decayed_mean.h"

namespace feedrank::ranker {
namespace {

// Engagers read per post when looking for neighbours: the newest ones, so that one viral post
// does not make the search cost grow with its audience.
constexpr std::size_t kEngagersPerPost = 200;
// Engagements read per neighbour when collecting their posts.
constexpr std::size_t kPostsPerNeighbour = 50;

// Visits the last `limit` arrivals of `events` (ascending by arrival) that happened at or before
// `now`, newest first (clients send times in any order, so later events are skipped wherever
// they are). No copy: it runs for every followee and every engaged post of a ranking.
template <class Event, class Visit>
void visit_newest(std::span<const Event> events, std::size_t limit, TimestampMs now, Visit visit) {
  std::size_t visited = 0;
  for (auto it = events.rbegin(); it != events.rend() && visited < limit; ++it) {
    if (it->at > now) continue;
    visit(*it);
    ++visited;
  }
}

void add_author_affinity(const store::FeedState& state, UserId viewer, TimestampMs now,
                         const RankingConfig& config, ViewerSignals& signals) {
  const auto& weights = state.engagements.options().trending_weights;
  for (const store::UserEngagement& e : state.engagements.by_user(viewer)) {
    if (e.at > now) continue;
    signals.engaged.insert(e.post);
    signals.author_affinity[e.author] +=
        weights[static_cast<int>(e.kind)] *
        embeddings::decay_factor(now - e.at, config.affinity_half_life_ms);
  }
}

void add_followee_engagements(const store::FeedState& state, UserId viewer, TimestampMs now,
                              const RankingConfig& config, ViewerSignals& signals) {
  const auto per_followee = static_cast<std::size_t>(config.network_engagement_per_followee);
  absl::flat_hash_set<PostId> seen;
  for (UserId followee : state.graph.followees(viewer)) {
    seen.clear();
    visit_newest(state.engagements.by_user(followee), per_followee, now,
                 [&](const store::UserEngagement& e) {
                   if (seen.insert(e.post).second) ++signals.followee_engagements[e.post];
                 });
  }
}

// User-kNN over engagement sets: cosine similarity |A n B| / sqrt(|A| |B|) between the viewer's
// newest engaged posts and each user's, through the posts' engager lists. |B| is the user's
// stored engagement count, in O(1): every event (a view and a like of one post count twice, and
// so do engagements after a past `now`). Counting their distinct posts by `now` walked every
// candidate neighbour's whole list: 2-5 ms more a ranking on Last.fm, whose users have hundreds
// of engagements (thirty-eighth session); exact would need a per-user count the store keeps.
void add_collaborative(const store::FeedState& state, UserId viewer, TimestampMs now,
                       const RankingConfig& config, ViewerSignals& signals) {
  if (config.collaborative_neighbours == 0 || config.collaborative_total == 0) return;
  absl::flat_hash_set<PostId> history;
  visit_newest(state.engagements.by_user(viewer),
               static_cast<std::size_t>(config.collaborative_history), now,
               [&](const store::UserEngagement& e) { history.insert(e.post); });
  if (history.empty()) return;
  absl::flat_hash_map<UserId, std::uint32_t> overlap;
  for (PostId post : history) {
    absl::flat_hash_set<UserId> counted;
    visit_newest(state.engagements.by_post(post), kEngagersPerPost, now,
                 [&](const store::PostEngager& engager) {
                   if (engager.user != viewer && counted.insert(engager.user).second) {
                     ++overlap[engager.user];
                   }
                 });
  }
  struct Neighbour {
    UserId user;
    float similarity;
  };
  std::vector<Neighbour> neighbours;
  neighbours.reserve(overlap.size());
  for (const auto& [user, shared] : overlap) {
    const std::size_t their_count = state.engagements.by_user(user).size();
    const double similarity = shared / std::sqrt(double(history.size()) * double(their_count));
    neighbours.push_back({user, static_cast<float>(similarity)});
  }
  const auto keep =
      std::min(neighbours.size(), static_cast<std::size_t>(config.collaborative_neighbours));
  std::partial_sort(neighbours.begin(), neighbours.begin() + keep, neighbours.end(),
                    [](const Neighbour& a, const Neighbour& b) {
                      return a.similarity != b.similarity ? a.similarity > b.similarity
                                                          : a.user < b.user;
                    });
  neighbours.resize(keep);
  for (const Neighbour& neighbour : neighbours) {
    absl::flat_hash_set<PostId> counted;
    visit_newest(state.engagements.by_user(neighbour.user), kPostsPerNeighbour, now,
                 [&](const store::UserEngagement& e) {
                   if (counted.insert(e.post).second) {
                     signals.collaborative[e.post] += neighbour.similarity;
                   }
                 });
  }
}

}  // namespace

ViewerSignals compute_viewer_signals(const store::FeedState& state, UserId viewer, TimestampMs now,
                                     const RankingConfig& config) {
  ViewerSignals signals;
  add_author_affinity(state, viewer, now, config, signals);
  add_followee_engagements(state, viewer, now, config, signals);
  add_collaborative(state, viewer, now, config, signals);
  return signals;
}

}  // namespace feedrank::ranker
