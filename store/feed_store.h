// The store as the rest of the service sees it: durable writes plus in-memory views.
// Writes go through a two-stage pipeline: a batch is validated and prepared (stage one) while
// the batch before it is committed and applied (stage two), so a stream of batches keeps both
// cores busy; batches take effect in the order they were prepared. write() calls that arrive
// while the pipeline is busy share one batch. Readers take consistent snapshots and never wait
// for a disk sync.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "store/durable_store.h"
#include "store/feed_state.h"
#include "store/state_extension.h"
#include "store/write_planner.h"

namespace feedrank::store {

// The extension's checkpoints: how far the newest stored one reaches, and how saves went.
struct CheckpointCounts {
  Sequence through = 0;        // the newest stored checkpoint's (0: none); a start replays after it
  Sequence last_sequence = 0;  // the newest record's
  std::uint64_t saved = 0;     // saves since start
  std::uint64_t failed = 0;    // failed saves since start (their users go into the next save)
  std::string last_error;      // the last failed save's, since start; empty when none failed
};

struct StoreCounts {
  std::uint64_t users = 0;
  std::uint64_t posts = 0;  // live posts
  std::uint64_t follows = 0;
  std::uint64_t engagements = 0;
  CheckpointCounts checkpoints;
};

class FeedStore {
 public:
  using Log = std::function<void(std::string_view line)>;
  // Rebuilds the in-memory views (and the extension's, when given; it must outlive the store)
  // from everything `durable` holds. A failed checkpoint save is told to `log` (when set).
  static absl::StatusOr<std::unique_ptr<FeedStore>> open(std::unique_ptr<DurableStore> durable,
                                                         StateExtension* extension = nullptr,
                                                         Log log = nullptr);
  ~FeedStore();

  // Validates, then commits durably, then makes the batch visible. All or nothing: on error
  // nothing was written and the error names the item through `item_name`. Calls that arrive
  // while the pipeline is busy are combined: each is validated on the state and the calls before
  // it (its own errors, its own summary), then they are committed and made visible as one batch,
  // under one exclusive lock, so that under read load a stream of small writes takes the readers'
  // lock once per batch, not once per call. A call that deletes posts is never combined.
  absl::StatusOr<WriteSummary> write(std::span<const WriteOp> ops, const ItemNamer& item_name);

  struct PipelinedBatch;
  // A batch validated and prepared by prepare_write(), holding its place in the commit order.
  // Dropping it without commit_write() abandons it (after the batches before it).
  class PreparedWrite {
   public:
    PreparedWrite(PreparedWrite&&) noexcept = default;
    PreparedWrite& operator=(PreparedWrite&&) noexcept = default;
    ~PreparedWrite();

   private:
    friend class FeedStore;
    PreparedWrite(FeedStore* store, std::shared_ptr<PipelinedBatch> batch)
        : store_(store), batch_(std::move(batch)) {}
    FeedStore* store_;
    std::shared_ptr<PipelinedBatch> batch_;
  };
  // write() in two calls, for a caller that prepares its next batch while this one commits
  // (Ingest). Stage one: validation and the extension's prepare(); it waits while another
  // batch is in stage one or two batches are in flight. Errors are write()'s.
  absl::StatusOr<PreparedWrite> prepare_write(std::span<const WriteOp> ops,
                                              const ItemNamer& item_name);
  // Stage two, once the batches prepared before it are done: commit, then make it visible.
  // ABORTED when a batch it was planned on top of failed (then nothing of it is written).
  absl::StatusOr<WriteSummary> commit_write(PreparedWrite prepared);

  // Stores posts again with a derived field recomputed while the service runs (their vectors,
  // by a re-embedding). `derive` runs as the writer, so no write changes `state` meanwhile, and
  // returns the records to store, each as its post is (same sequence, not deleted) but for the
  // recomputed field. Once they are durable, `publish` runs under the readers' exclusive lock to
  // make them visible. Writers wait for the whole call, readers only for `publish`.
  absl::Status rewrite(absl::FunctionRef<std::vector<StoredPost>(const FeedState&)> derive,
                       absl::FunctionRef<void(std::span<const StoredPost>)> publish);

  // Read access under a shared lock, held for the snapshot's lifetime: keep it short.
  class Snapshot {
   public:
    const FeedState& state() const { return *state_; }

   private:
    friend class FeedStore;
    Snapshot(std::shared_mutex& mutex, const FeedState& state) : lock_(mutex), state_(&state) {}
    std::shared_lock<std::shared_mutex> lock_;
    const FeedState* state_;
  };
  Snapshot snapshot() const { return Snapshot(state_mutex_, state_); }
  // The snapshot a request starts with, on a thread that holds none: it first lets a writer
  // that is waiting apply its batch (waiting at most 50 ms for it). The lock prefers readers,
  // so without this a stream of overlapping requests (algorithmic feeds hold theirs for
  // milliseconds) kept writes waiting for seconds. Only request entry points and the
  // checkpoint's copy use it: a thread that already holds a snapshot must not wait for a writer
  // that waits for that snapshot.
  Snapshot request_snapshot() const;

  StoreCounts counts() const;
  // write() calls waiting for the pipeline, to be combined into its next batch (a metric, and
  // tests that queue calls in a known order).
  std::size_t writes_waiting() const;
  // Heap bytes of every in-memory view (users, follows, posts and texts, timelines,
  // engagements) and RocksDB's memory. Walks the per-user and per-post maps of follows,
  // timelines and engagements under a snapshot (the posts' texts are counted as they change):
  // about 10 ms at a million posts, during which writes wait.
  std::vector<MemoryPart> memory_breakdown() const;

  // Saves the extension's checkpoint now (e.g. at shutdown), so the next start replays nothing;
  // first waits for the one being saved in the background, if any.
  absl::Status checkpoint();

 private:
  FeedStore(std::unique_ptr<DurableStore> durable, StateExtension* extension, Log log)
      : durable_(std::move(durable)), extension_(extension), log_(std::move(log)) {}

  // The pipeline's gates (all under pipeline_mutex_). Stage one of a batch, a discard, a rewrite
  // and a checkpoint each hold the preparing slot.
  enum class Slot {
    kBeside,   // a batch's stage one: at most one batch in flight (being committed) beside it
    kAlone,    // no batch in flight (a deleting batch, a rewrite, a checkpoint); goes before
               // kBeside waiters, so a stream of batches does not starve it
    kDiscard,  // a batch in flight undoes its prepare()
  };
  void enter_preparing(Slot slot);
  void leave_preparing();
  void wait_for_turn(const PipelinedBatch& batch);
  void finish(PipelinedBatch& batch, bool failed);
  // Undoes a batch's prepare() (its commit, or an earlier batch's, failed) and ends its turn.
  void abandon(PipelinedBatch& batch);

  struct WriteCall;
  struct QueuedWrite;
  // Stage one of the calls, the preparing slot held: one batch of every call whose planning
  // succeeds (a call that fails keeps its error in WriteCall::planned); null when none does.
  absl::StatusOr<std::shared_ptr<PipelinedBatch>> prepare_calls(std::span<WriteCall> calls);
  // A leader's group through both stages, the preparing slot held; sets each call's result.
  void write_group(std::span<QueuedWrite* const> group);

  // How a checkpoint is saved. Each first waits for the one being saved in the background.
  enum class CheckpointSave {
    kInBackground,  // a write's stage two, when one is due: the states' copy and the RocksDB
                    // write and sync on a thread of their own (in stage two, 35-110 ms for
                    // 10,000 users' states stalled the whole pipeline)
    kNowIfDue,      // at start, when one is due, before returning
    kForced,        // asked for (a clean stop, a rewrite's step), before returning
  };
  absl::Status save_checkpoint(CheckpointSave how);
  // Waits for the checkpoint being saved in the background, if any, and tells the extension.
  absl::Status finish_checkpoint_save();
  // Counts a save's outcome as it ends (on the thread that saved), and logs a failure.
  void count_checkpoint_save(const absl::Status& status, Sequence through);
  // durable_->commit() under or_stop(): it reports errors as statuses (RocksDbStore its encoding's
  // out of memory too); a throw from the write itself leaves unknown what the store took.
  absl::Status commit_durably(std::span<const StoreMutation> mutations);
  // Runs `step`, which writes to the store or makes a stored write visible in memory. Should it
  // throw, memory may no longer match the store and nothing can undo it: the process logs why
  // (`doing`) and stops, and the next start rebuilds memory from the store.
  void or_stop(std::string_view doing, absl::FunctionRef<void()> step) noexcept;
  // Takes the readers' lock exclusively for `apply`, letting waiting requests know (see write()).
  void apply_exclusively(absl::FunctionRef<void()> apply);
  // Persists what the extension derived at start for records that lacked it.
  absl::Status write_back();

  std::unique_ptr<DurableStore> durable_;
  StateExtension* extension_;
  Log log_;
  std::mutex pipeline_mutex_;
  std::condition_variable pipeline_changed_;
  bool preparing_ = false;                  // a stage one (or discard, rewrite) runs
  std::size_t alone_waiting_ = 0;           // kAlone entries waiting
  std::size_t in_flight_ = 0;               // prepared, not yet committed or abandoned
  std::uint64_t next_ticket_ = 0;           // stage-two order of the next prepared batch
  std::uint64_t turn_ = 0;                  // the ticket whose stage two may run
  std::shared_ptr<PipelinedBatch> latest_;  // the last prepared batch while in flight
  // write() calls waiting to be combined; a leader gathers them once it has the preparing slot.
  mutable std::mutex combine_mutex_;
  std::condition_variable combine_changed_;
  std::vector<QueuedWrite*> queued_;
  bool gathering_ = false;  // a leader waits for the preparing slot
  mutable std::shared_mutex state_mutex_;  // writers hold it exclusively only while applying
  // Whether a writer waits for state_mutex_; request_snapshot() waits on writer_applied_ then.
  mutable std::mutex writer_waiting_mutex_;
  mutable std::condition_variable writer_applied_;
  bool writer_waiting_ = false;
  FeedState state_;
  // The checkpoint being saved in the background (at most one). Touched only by open(), stage
  // two and the preparing slot's kAlone holders, one at a time, and by the destructor, which
  // waits for it.
  std::future<absl::Status> checkpoint_save_;
  // The saves' outcomes (last_sequence unset), written by whichever thread saved.
  mutable std::mutex checkpoint_counts_mutex_;
  CheckpointCounts checkpoint_counts_;
};

}  // namespace feedrank::store
