// The durable part of the store: an engine-neutral interface so that another engine can
// replace RocksDB. It holds current state (not an event log): users, posts (deleted ones as
// tombstones), follow edges and engagements.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/checkpoint.h"
#include "store/records.h"

namespace rocksdb {
class Env;
}

namespace feedrank::store {

// A post as persisted: a deleted post keeps its id, author, time, vector and sequence but loses
// its text and hashtags.
struct StoredPost {
  Post post;
  bool deleted = false;
  Sequence sequence = 0;
};

struct StoredEngagement {
  Engagement engagement;
  Sequence sequence = 0;
};

// Receives every persisted record when the in-memory views are rebuilt, in this order: the
// checkpoint's sequence (only when one was saved), users, posts, follows, engagements, then the
// saved user states, each with the sequence of the checkpoint that saved it (which may be newer
// than the checkpoint's sequence, where a save was cut short). (FeedStore holds the engagements
// back and applies them after the states: see StateExtension::restore_user_state.)
class StoreVisitor {
 public:
  virtual ~StoreVisitor() = default;
  virtual void on_checkpoint(Sequence through) = 0;
  virtual void on_user(User user) = 0;
  virtual void on_post(StoredPost post) = 0;
  virtual void on_follow(const Follow& follow) = 0;
  virtual void on_engagement(const StoredEngagement& engagement) = 0;
  virtual void on_user_state(UserId user, Sequence through, std::string state) = 0;
};

// One effective change: what the validated batch actually changes, in order.
using StoreMutation = std::variant<User, StoredPost, Follow, Unfollow, StoredEngagement>;

// Memory one part of the service holds, for the breakdown operators size machines by.
struct MemoryPart {
  std::string name;
  std::uint64_t bytes = 0;
};

class DurableStore {
 public:
  // RocksDB's own memory: memtables, block cache, table readers (empty where unknown).
  virtual std::vector<MemoryPart> memory_usage() const { return {}; }
  virtual ~DurableStore() = default;

  // Writes all mutations atomically; returns only once they are in the synced write-ahead log.
  virtual absl::Status commit(std::span<const StoreMutation> mutations) = 0;

  // Saves a checkpoint: its user states a few hundred KB a call (so that a commit waits behind
  // one such piece at most, not behind the whole checkpoint), then its sequence. A save cut
  // short leaves the states it saved, each with its own sequence, and the sequence before.
  virtual absl::Status save_checkpoint(const Checkpoint& checkpoint);
  // Its two steps. Neither need be synced: a crash may lose the newest calls' effects, but never
  // a sequence without the states saved before it, nor a committed record. A clean close keeps
  // them.
  // Saves states [first, end) of `checkpoint` at once, each with the checkpoint's sequence,
  // replacing what was saved for those users.
  virtual absl::Status save_user_states(const Checkpoint& checkpoint, std::size_t first,
                                        std::size_t end) = 0;
  // Then: the next start replays the records after `through`.
  virtual absl::Status save_checkpoint_sequence(Sequence through) = 0;
  // Puts every checkpoint saved so far on disk, for a write that must not be replayed against
  // records from before it after a crash (a re-embedding's rewritten vectors).
  virtual absl::Status make_checkpoint_durable() = 0;

  // Replays the whole store into the visitor.
  virtual absl::Status replay(StoreVisitor& visitor) const = 0;

  // Whether this exact engagement (user, post, kind, time) is already stored.
  virtual absl::StatusOr<bool> contains(const Engagement& engagement) const = 0;
};

// Opens (creating if needed) a RocksDB store in `directory`. Fails with a one-line reason when
// the directory is unusable or already open in another process. `env`: RocksDB's environment,
// null for the default (tests pass one that injects disk faults).
absl::StatusOr<std::unique_ptr<DurableStore>> open_rocksdb_store(const std::string& directory,
                                                                 rocksdb::Env* env = nullptr);

}  // namespace feedrank::store
