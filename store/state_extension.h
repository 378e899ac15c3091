// In-memory state that a layer above the store derives from the same records (post and user
// vectors). The store keeps it in step: it sees each batch before the commit, every committed
// mutation and every replayed record in the order the store's own views see them, and it can
// save checkpoints so that a restart does not redo all of its work.
//
// Calls come from the store's writers in batch order (or from the start-up replay). Writes are
// pipelined: prepare() of a batch may run while the batch before it is committed and applied, so
// prepare() must not touch what apply() changes; the store prepares a batch that deletes posts
// alone (nothing else in flight), and discard() never runs beside a prepare(). apply() runs
// under the readers' exclusive lock, so readers holding a FeedStore::Snapshot may read the
// extension's state.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/batch_prefetch.h"
#include "store/durable_store.h"
#include "store/feed_state.h"

namespace feedrank::store {

class StateExtension {
 public:
  // What prepare() did for one batch, handed back to discard() if the batch is not committed.
  class Prepared {
   public:
    virtual ~Prepared() = default;
  };

  virtual ~StateExtension() = default;

  // After validation, before the commit. May complete the mutations (a post's vector and
  // hashtags). `state` holds every earlier batch and stays still while a batch that deletes
  // posts is prepared; for other batches an earlier one may still be applying, so only a
  // deleting batch may read it. An error aborts the write with nothing written.
  virtual absl::StatusOr<std::unique_ptr<Prepared>> prepare(std::span<StoreMutation> mutations,
                                                            const FeedState& state) = 0;
  // The prepared batch is not committed (its commit, or an earlier batch's, failed): undo what
  // its prepare() changed. Batches are discarded in their order.
  virtual void discard(Prepared& prepared) = 0;
  // Once the batch is durable, outside every lock and before take_room(): grows aside what the
  // batch's apply() would rehash (common/grow_aside.h).
  virtual void make_room(std::span<const StoreMutation> /*mutations*/) {}
  // Under the readers' exclusive lock, before the committed batch's first apply(): swaps in
  // what make_room() grew aside, so that apply() does not rehash a large map under the lock.
  virtual void take_room() {}
  // Each committed mutation, and each record replayed at start, before `state` applies it.
  virtual void apply(const StoreMutation& mutation, const FeedState& state) = 0;
  // A hint that apply(mutation) comes soon (common/batch_prefetch.h): asks for what it will
  // look up.
  virtual void prefetch(const StoreMutation& /*mutation*/, PrefetchStep /*step*/) const {}

  // Replay of the saved checkpoint (before any record) and of the saved user states (after the
  // users, posts and follows, but before any engagement: the store applies engagements last, in
  // the order they were written), each holding its user's records up to its own `through`: the
  // checkpoint's sequence or older, or newer where a later checkpoint's save was cut short. So an
  // extension must not let an engagement replayed after a state overwrite it: compare the
  // engagement's sequence with the state's `through` (CorpusVectors queues them until
  // finish_replay).
  virtual void restore_checkpoint(Sequence through) = 0;
  virtual void restore_user_state(UserId user, Sequence through, std::string state) = 0;
  // The replay is over and `state` is complete; an error fails the store's open.
  virtual absl::Status finish_replay(const FeedState& state) = 0;
  // Then, until it returns none: at most `max` records whose stored form should change because
  // the replay derived what they lack (a post's vector), for the store to write once so that the
  // next start reads them instead of deriving them again. Records in `state` keep their sequence.
  virtual std::vector<StoredPost> take_writebacks(const FeedState&, std::size_t /*max*/) {
    return {};
  }

  // After a write: whether enough has changed since the last checkpoint to save another.
  virtual bool checkpoint_due() const = 0;
  // Begins a checkpoint, if one is due (always, when `force`), covering everything applied so
  // far; false when there is nothing to save. A writer's call; keep it cheap, as it runs in the
  // write pipeline.
  virtual bool begin_checkpoint(bool force) = 0;
  // Runs `read` under the readers' lock (shared): no batch applies meanwhile. Keep `read` short,
  // as a waiting writer waits for it.
  using UnderReadersLock = absl::FunctionRef<void(absl::FunctionRef<void()> read)>;
  // Then, once, from any thread and possibly while later batches apply: the checkpoint begun,
  // with the states of its sequence; what apply() changes, it reads under `under_readers_lock`.
  // The store saves it and reports the outcome with checkpoint_finished() before it begins the
  // next one.
  virtual Checkpoint take_checkpoint(UnderReadersLock under_readers_lock) = 0;
  // The checkpoint last taken is durable (`saved`), or its save failed: then what it held
  // counts as changed again, for the next one.
  virtual void checkpoint_finished(bool saved) = 0;
};

}  // namespace feedrank::store
