// What the replay knows at the cut, kept beside the engine for the baselines, the list filter and
// the ground truth: users, posts created before the cut, the follow graph and who engaged with
// what before the cut.
#pragma once

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "store/records.h"

namespace feedrank::replay {

using PostSet = absl::flat_hash_set<PostId>;

struct PostFacts {
  UserId author = 0;
  TimestampMs created_at = 0;
  Visibility visibility = Visibility::kPublic;
  bool deleted = false;  // by a delete of the history (one after the cut is not applied)
};

// Who engaged with what and when, of whatever kind.
struct EngagementEvent {
  UserId user = 0;
  PostId post = 0;
  TimestampMs at = 0;
};

struct PreCutState {
  TimestampMs cut = 0;
  absl::flat_hash_map<UserId, TimestampMs> user_created_at;
  absl::flat_hash_map<PostId, PostFacts> posts;  // created before the cut, deleted ones too
  // After every follow and unfollow of the history, as the engine's graph is.
  absl::flat_hash_map<UserId, absl::flat_hash_set<UserId>> followees;
  // Before the cut, any kind (as the engine's feeds leave them out): what "already engaged"
  // means to the list rule and the truth, and user-kNN's matrix.
  absl::flat_hash_map<UserId, PostSet> engaged;
  std::vector<EngagementEvent> engagements;  // before the cut, every kind, in input order

  const PostFacts* live_post(PostId post) const;  // null when unknown or deleted
  bool follows(UserId follower, UserId followee) const;
  bool engaged_before(UserId user, PostId post) const;
  // Whether `viewer` may see the post: public, their own, or followers-only by someone they follow.
  bool can_see(UserId viewer, const PostFacts& post) const;
  std::vector<PostId> live_posts() const;  // ascending ids
};

}  // namespace feedrank::replay
