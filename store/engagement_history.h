// Who engaged with what, kept in memory for the algorithmic feed: each user's engagements in
// arrival order, each post's engagers, and each post's time-decayed engagement per kind. The
// decayed sums are kept incrementally as engagements arrive (never recomputed per request), in
// the log2 domain against a fixed origin: an engagement at time t adds 2^(t / half_life), so a
// sum read at `now` is 2^(log2_sum - now / half_life). Every post's sum decays by the same factor,
// so the order of posts by decayed engagement (the trending list) does not depend on when it is
// read, and data years old reads the same as fresh data shifted in time.
//
// Not thread-safe: FeedStore guards it.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "common/batch_prefetch.h"
#include "store/records.h"

namespace feedrank::store {

struct EngagementHistoryOptions {
  TimestampMs half_life_ms = 3LL * 24 * 60 * 60 * 1000;  // of the decayed counts and trending
  // Per EngagementKind (VIEW, LIKE, COMMENT, SHARE): how much each kind adds to trending.
  std::array<double, kEngagementKindCount> trending_weights = {0.1, 1.0, 2.0, 3.0};
};

struct UserEngagement {
  PostId post = 0;
  UserId author = 0;
  EngagementKind kind = EngagementKind::kView;
  TimestampMs at = 0;
};

// How many of a user's engagements happened at or before `now` (clients stamp them, so they
// arrive in any time order).
inline std::size_t count_until(std::span<const UserEngagement> engagements, TimestampMs now) {
  std::size_t count = 0;
  for (const UserEngagement& e : engagements) count += e.at <= now ? 1 : 0;
  return count;
}

struct PostEngager {
  UserId user = 0;
  EngagementKind kind = EngagementKind::kView;
  TimestampMs at = 0;
};

class EngagementHistory {
 public:
  explicit EngagementHistory(EngagementHistoryOptions options = {}) : options_(options) {}

  const EngagementHistoryOptions& options() const { return options_; }
  void add(const Engagement& engagement, UserId author);
  // A hint before add() in a batch (common/batch_prefetch.h).
  void prefetch(const Engagement& engagement, PrefetchStep step) const;
  // The post was deleted: it leaves the trending order (its history stays, as the store's does).
  void forget_trending(PostId post);
  // The start-up replay: add() leaves the trending order alone until end_bulk_load() builds it
  // once from every post's sum (a sort, not two tree updates per engagement), without the
  // posts `deleted` names (the replay brings a post's engagements after its tombstone), and
  // gives back the lists' spare capacity (a third of their memory after a replay's doublings).
  void begin_bulk_load() { bulk_load_ = true; }
  void end_bulk_load(absl::FunctionRef<bool(PostId post)> deleted);

  // In arrival order (mostly by time); empty for users or posts with none.
  std::span<const UserEngagement> by_user(UserId user) const;
  std::span<const PostEngager> by_post(PostId post) const;

  // The post's engagements of each kind at or before `now`, each weighted
  // 2^(-(now - at) / half_life): the running sums when `now` is after all of them. Else (a replay
  // at a past time, or engagements a client stamped ahead of the server's clock) the sums kept at
  // the last checkpoint before the first engager after `now`, plus the engagers that arrived
  // since then: when only the newest engagers are after `now`, at most a checkpoint's worth
  // (64) and those; while one stamped up to a day ahead waits, everything that arrived after it.
  std::array<double, kEngagementKindCount> decayed_counts(PostId post, TimestampMs now) const;

  // Visits posts by decreasing decayed, kind-weighted engagement (ties by larger id) until
  // `visit` returns false. O(log n) to start, O(1) per post. The order counts every engagement,
  // also those after a replay's `now`.
  void for_each_trending(absl::FunctionRef<bool(PostId post)> visit) const;

  // Heap bytes of the per-user and per-post lists, their checkpoints and the trending order.
  std::size_t memory_bytes() const;

 private:
  // Every kCheckpointEvery engagers of a post, the sums of those before (the state a read at a
  // `now` before all later engagers can start from) and the latest time among them.
  static constexpr std::size_t kCheckpointEvery = 64;
  struct Checkpoint {
    TimestampMs latest;
    std::array<double, kEngagementKindCount> log2_counts;
  };
  struct PostStats {
    std::vector<PostEngager> engagers;
    std::array<double, kEngagementKindCount> log2_counts;  // -inf: none of this kind
    double log2_trending;
    TimestampMs latest;  // the newest engagement's time
  };

  EngagementHistoryOptions options_;
  absl::flat_hash_map<UserId, std::vector<UserEngagement>> by_user_;
  absl::flat_hash_map<PostId, PostStats> by_post_;
  // Only for posts with more than kCheckpointEvery engagers: checkpoint i covers the first
  // (i + 1) * kCheckpointEvery.
  absl::flat_hash_map<PostId, std::vector<Checkpoint>> checkpoints_;
  // A B-tree: 16-byte entries packed in nodes (a std::set node per post cost 64 bytes).
  absl::btree_set<std::pair<double, PostId>, std::greater<>> trending_;
  bool bulk_load_ = false;
};

}  // namespace feedrank::store
