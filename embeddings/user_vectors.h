// User vectors for retrieval: what a user engaged with, time-decayed and weighted by kind,
// blended with what the accounts they follow posted recently, so that a new user with follows
// but no engagements still gets a useful vector. Updates are O(dimension) per event; each
// user's state serialises to bytes so that the store can snapshot and restore it instead of
// replaying every event.
//
// Not thread-safe: the owner locks.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/batch_prefetch.h"
#include "embeddings/decayed_mean.h"
#include "store/records.h"

namespace feedrank::embeddings {

struct UserVectorOptions {
  int dimension = 128;
  // Indexed by EngagementKind: VIEW, LIKE, COMMENT, SHARE. A zero weight ignores the kind.
  std::array<float, kEngagementKindCount> kind_weights = {0.1f, 1.0f, 2.0f, 3.0f};
  TimestampMs half_life_ms = 7LL * 24 * 60 * 60 * 1000;
  // Share of the followees' part in the blend, given both parts; a user with no engagements
  // gets the followees' part alone, one with no (active) followees the engagement part alone.
  float followee_blend = 0.3f;
};

class UserVectorModel {
 public:
  // InvalidArgument for a bad dimension, a negative or non-finite kind weight, a non-positive
  // half-life or a blend outside [0, 1].
  static absl::StatusOr<UserVectorModel> create(UserVectorOptions options);

  const UserVectorOptions& options() const { return options_; }

  // `user` engaged with a post whose vector is `post_vector`. O(dimension).
  // Precondition for these and user_vector(out): vector sizes == dimension (aborts otherwise).
  void record_engagement(UserId user, EngagementKind kind, std::span<const float> post_vector,
                         TimestampMs at);
  // `author` published a post; feeds the followees' part of their followers' vectors. O(dimension).
  void record_post(UserId author, std::span<const float> post_vector, TimestampMs at);
  // Hints before record_post() and record_engagement() in a batch (common/batch_prefetch.h).
  void prefetch_for_post(UserId author, PrefetchStep step) const;
  void prefetch_for_engagement(UserId user, PrefetchStep step) const;

  // L2-normalised blend of the user's engagement mean and the pooled decayed mean of the
  // followees' posts, read at `now`; all zeros when there is neither. O(dimension x followees).
  void user_vector(UserId user, std::span<const UserId> followees, TimestampMs now,
                   std::span<float> out) const;
  std::vector<float> user_vector(UserId user, std::span<const UserId> followees,
                                 TimestampMs now) const;

  std::size_t user_count() const { return users_.size(); }
  // Heap bytes of every user's state (common/memory_bytes.h).
  std::size_t memory_bytes() const;
  // Every user with any state, in no particular order.
  void for_each_user(absl::FunctionRef<void(UserId)> fn) const;
  // Versioned, exact bytes of one user's state (floats round-trip bit-identically); an empty
  // state for an unknown user.
  std::string serialize_user(UserId user) const;
  // The same bytes written into `out` (at least user_state_bytes_at_most() long), without
  // allocating; returns how many.
  std::size_t write_user_state(UserId user, std::span<char> out) const;
  std::size_t user_state_bytes_at_most() const;
  // Replaces the user's state; InvalidArgument (and no change) for bytes serialize_user did not
  // produce for this model's dimension.
  absl::Status restore_user(UserId user, std::string_view bytes);

 private:
  struct UserState {
    DecayedMean engaged;   // posts the user engaged with
    DecayedMean authored;  // the user's own posts, read by their followers
  };

  explicit UserVectorModel(UserVectorOptions options) : options_(options) {}

  UserVectorOptions options_;
  absl::flat_hash_map<UserId, UserState> users_;
};

}  // namespace feedrank::embeddings
