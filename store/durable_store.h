// The durable part of the store: an engine-neutral interface so that another engine can
// replace RocksDB. It holds current state (not an event log): users, posts (deleted ones as
// tombstones), follow edges and engagements.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/records.h"

namespace feedrank::store {

// A post as persisted: a deleted post keeps its id, author and time but loses its text.
struct StoredPost {
  Post post;
  bool deleted = false;
};

// Receives every persisted record when the in-memory views are rebuilt. Users come before
// posts, posts before follows, follows before engagements.
class StoreVisitor {
 public:
  virtual ~StoreVisitor() = default;
  virtual void on_user(User user) = 0;
  virtual void on_post(StoredPost post) = 0;
  virtual void on_follow(const Follow& follow) = 0;
  virtual void on_engagement(const Engagement& engagement) = 0;
};

// One effective change: what the validated batch actually changes, in order.
using StoreMutation = std::variant<User, StoredPost, Follow, Unfollow, Engagement>;

class DurableStore {
 public:
  virtual ~DurableStore() = default;

  // Writes all mutations atomically; returns only once they are in the synced write-ahead log.
  virtual absl::Status commit(std::span<const StoreMutation> mutations) = 0;

  // Replays the whole store into the visitor.
  virtual absl::Status replay(StoreVisitor& visitor) const = 0;

  // Whether this exact engagement (user, post, kind, time) is already stored.
  virtual absl::StatusOr<bool> contains(const Engagement& engagement) const = 0;
};

// Opens (creating if needed) a RocksDB store in `directory`. Fails with a one-line reason when
// the directory is unusable or already open in another process.
absl::StatusOr<std::unique_ptr<DurableStore>> open_rocksdb_store(const std::string& directory);

}  // namespace feedrank::store
