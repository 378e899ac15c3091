// The confidence matrix that learned embeddings train on: one entry per (user, live post) the
// user engaged with, weighted as the user vectors weigh engagements (by kind, halved every
// half-life before `now`) and scaled by alpha, the "confidence" of Hu, Koren and Volinsky 2008:
// c_up = 1 + alpha * sum over the user's engagements with the post of kind_weight * 2^(-age / h).
// Ages count back from the newest engagement read (at or before `now`), not from `now` itself:
// data years old then weighs as fresh data shifted in time does (as the store's trending order),
// instead of every confidence decaying to nothing. Rows and columns are users and posts in
// increasing id order, so the same state gives the same matrix.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "kernels/implicit_als.h"
#include "store/feed_state.h"

namespace feedrank::embeddings {

struct EngagementWeights {
  // Indexed by EngagementKind: VIEW, LIKE, COMMENT, SHARE (the user vectors' defaults).
  std::array<float, kEngagementKindCount> kind_weights = {0.1f, 1.0f, 2.0f, 3.0f};
  TimestampMs half_life_ms = 30LL * 24 * 60 * 60 * 1000;
  float alpha = 10.0f;
};

struct EngagementMatrix {
  std::vector<UserId> users;  // row -> user, ascending
  std::vector<PostId> posts;  // column -> post, ascending
  kernels::OwnedConfidenceRows by_user;
  kernels::OwnedConfidenceRows by_post;

  std::optional<std::uint32_t> user_row(UserId user) const;
  std::optional<std::uint32_t> post_row(PostId post) const;
  std::size_t entries() const { return by_user.columns.size(); }
};

// Every engagement at or before `now` with a post that is still live.
EngagementMatrix build_engagement_matrix(const store::FeedState& state, TimestampMs now,
                                         const EngagementWeights& weights);

// One user's row against an existing matrix's posts (the fold-in of a user's newer
// engagements): entries for the posts the matrix has, in increasing column order; ages count
// back from the user's own newest engagement.
kernels::OwnedConfidenceRows user_confidences(const store::FeedState& state, UserId user,
                                              TimestampMs now, const EngagementWeights& weights,
                                              const std::vector<PostId>& posts);

}  // namespace feedrank::embeddings
