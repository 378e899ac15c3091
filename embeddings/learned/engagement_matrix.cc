#include "embeddings/learned/engagement_matrix.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

namespace feedrank::embeddings {
namespace {

template <typename Id>
std::optional<std::uint32_t> position(const std::vector<Id>& sorted, Id id) {
  const auto it = std::lower_bound(sorted.begin(), sorted.end(), id);
  if (it == sorted.end() || *it != id) return std::nullopt;
  return static_cast<std::uint32_t>(it - sorted.begin());
}

bool is_live(const store::FeedState& state, PostId post) {
  const store::PostView* view = state.posts.find(post);
  return view != nullptr && !view->deleted;
}

// The newest engagement of these users at or before `now` (`now` when there is none): where
// ages count from.
template <typename Users>
TimestampMs newest_engagement(const store::FeedState& state, const Users& users, TimestampMs now) {
  TimestampMs newest = std::numeric_limits<TimestampMs>::min();
  for (UserId user : users) {
    for (const store::UserEngagement& e : state.engagements.by_user(user)) {
      if (e.at <= now) newest = std::max(newest, e.at);
    }
  }
  return newest == std::numeric_limits<TimestampMs>::min() ? now : newest;
}

// The user's summed, decayed, kind-weighted engagement per live post, by post id, with ages
// counted back from `newest`; zero-weight kinds and posts left out.
std::vector<std::pair<PostId, float>> weighted_posts(const store::FeedState& state, UserId user,
                                                     TimestampMs now, TimestampMs newest,
                                                     const EngagementWeights& weights) {
  std::vector<std::pair<PostId, float>> out;
  for (const store::UserEngagement& e : state.engagements.by_user(user)) {
    if (e.at > now) continue;
    const float kind = weights.kind_weights[static_cast<int>(e.kind)];
    if (!(kind > 0.0f)) continue;
    const double age = static_cast<double>(newest - e.at);
    const auto decay = static_cast<float>(std::exp2(-age / static_cast<double>(weights.half_life_ms)));
    out.emplace_back(e.post, kind * decay);
  }
  std::sort(out.begin(), out.end());
  std::size_t kept = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (kept > 0 && out[kept - 1].first == out[i].first) {
      out[kept - 1].second += out[i].second;
    } else {
      out[kept++] = out[i];
    }
  }
  out.resize(kept);
  std::erase_if(out, [&](const auto& entry) {
    return !(weights.alpha * entry.second > 0.0f) || !is_live(state, entry.first);
  });
  return out;
}

}  // namespace

std::optional<std::uint32_t> EngagementMatrix::user_row(UserId user) const {
  return position(users, user);
}

std::optional<std::uint32_t> EngagementMatrix::post_row(PostId post) const {
  return position(posts, post);
}

EngagementMatrix build_engagement_matrix(const store::FeedState& state, TimestampMs now,
                                         const EngagementWeights& weights) {
  EngagementMatrix m;
  std::vector<UserId> all_users;
  all_users.reserve(state.users.size());
  for (const auto& [id, user] : state.users) all_users.push_back(id);
  std::sort(all_users.begin(), all_users.end());
  const TimestampMs newest = newest_engagement(state, all_users, now);
  std::vector<std::vector<std::pair<PostId, float>>> rows;
  for (UserId user : all_users) {
    auto row = weighted_posts(state, user, now, newest, weights);
    if (row.empty()) continue;
    m.users.push_back(user);
    for (const auto& [post, weight] : row) m.posts.push_back(post);
    rows.push_back(std::move(row));
  }
  std::sort(m.posts.begin(), m.posts.end());
  m.posts.erase(std::unique(m.posts.begin(), m.posts.end()), m.posts.end());
  m.by_user.rows = m.users.size();
  for (const auto& row : rows) {
    for (const auto& [post, weight] : row) {
      m.by_user.columns.push_back(*m.post_row(post));
      m.by_user.confidences.push_back(weights.alpha * weight);
    }
    m.by_user.offsets.push_back(m.by_user.columns.size());
  }
  m.by_post = kernels::transpose(m.by_user.view(), m.posts.size());
  return m;
}

kernels::OwnedConfidenceRows user_confidences(const store::FeedState& state, UserId user,
                                              TimestampMs now, const EngagementWeights& weights,
                                              const std::vector<PostId>& posts) {
  kernels::OwnedConfidenceRows row;
  row.rows = 1;
  const TimestampMs newest = newest_engagement(state, std::span(&user, 1), now);
  for (const auto& [post, weight] : weighted_posts(state, user, now, newest, weights)) {
    if (const auto column = position(posts, post)) {
      row.columns.push_back(*column);
      row.confidences.push_back(weights.alpha * weight);
    }
  }
  row.offsets.push_back(row.columns.size());
  return row;
}

}  // namespace feedrank::embeddings
