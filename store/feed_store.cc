#include "store/feed_store.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <new>

#include "absl/cleanup/cleanup.h"
#include "common/error_status.h"
#include "common/memory_bytes.h"
#include "fmt/format.h"

namespace feedrank::store {
namespace {

// Longer than a feed request holds its snapshot (milliseconds), so overlapping requests drain
// and the writer gets in; short enough that a long reader delays new requests only this much.
constexpr std::chrono::milliseconds kMaxWaitForWriter{50};
// Write calls combined into one pipeline batch at most (the leader's included).
constexpr std::size_t kMaxCombinedCalls = 256;
// Records written back per commit at start (bounded memory for a store of millions of posts).
constexpr std::size_t kWriteBackBatch = 10'000;

// Records replayed at start are applied this many at a time, so that they prefetch ahead (1M
// posts and their follows and engagements started in 8.0-9.8 s instead of 9.0-10.7): several
// times the prefetch distance, few enough that the pending records stay in cache.
constexpr std::size_t kReplayBatch = 128;

// Applies `mutations` in order, each to the extension and then to the state, asking a few
// mutations ahead for what they will look up (common/batch_prefetch.h).
void apply_all(std::span<StoreMutation> mutations, FeedState& state, StateExtension* extension) {
  apply_prefetched(
      mutations.size(),
      [&](std::size_t i, PrefetchStep step) {
        state.prefetch(mutations[i], step);
        if (extension) extension->prefetch(mutations[i], step);
      },
      [&](std::size_t i) {
        if (extension) extension->apply(mutations[i], state);
        state.apply(std::move(mutations[i]));
      });
}

class StateRebuilder final : public StoreVisitor {
 public:
  StateRebuilder(FeedState& state, StateExtension* extension)
      : state_(state), extension_(extension) {
    pending_.reserve(kReplayBatch);
  }

  void on_checkpoint(Sequence through) override {
    apply_pending();
    checkpoint_through_ = through;
    if (extension_) extension_->restore_checkpoint(through);
  }
  void on_user(User user) override { add(std::move(user)); }
  void on_post(StoredPost post) override { add(std::move(post)); }
  void on_follow(const Follow& follow) override { add(follow); }
  // Kept for apply_engagements_in_write_order().
  void on_engagement(const StoredEngagement& engagement) override {
    engagements_.push_back(engagement);
  }
  void on_user_state(UserId user, Sequence through, std::string state) override {
    apply_pending();
    if (extension_) extension_->restore_user_state(user, through, std::move(state));
  }
  // Applies the records still pending (when a batch fills, and after the last record).
  void apply_pending() {
    apply_all(pending_, state_, extension_);
    pending_.clear();
  }
  // The replay reads engagements in key order (by post, then user); each user's and post's list
  // keeps them in the order they were written, whose "newest" the ranking reads. So they are
  // applied last, in the order of their sequences, as they were live. (A transient copy: about
  // 40 bytes an engagement.)
  void apply_engagements_in_write_order() {
    apply_pending();
    std::sort(engagements_.begin(), engagements_.end(),
              [](const StoredEngagement& a, const StoredEngagement& b) {
                return a.sequence < b.sequence;
              });
    for (const StoredEngagement& engagement : engagements_) add(engagement);
    apply_pending();
    engagements_ = std::vector<StoredEngagement>();  // frees it
  }
  Sequence checkpoint_through() const { return checkpoint_through_; }

 private:
  void add(StoreMutation mutation) {
    pending_.push_back(std::move(mutation));
    if (pending_.size() == kReplayBatch) apply_pending();
  }

  FeedState& state_;
  StateExtension* extension_;
  std::vector<StoreMutation> pending_;  // replayed, not applied yet
  std::vector<StoredEngagement> engagements_;  // replayed, applied once every other record is
  Sequence checkpoint_through_ = 0;     // of the stored checkpoint, if any
};

}  // namespace

absl::StatusOr<std::unique_ptr<FeedStore>> FeedStore::open(std::unique_ptr<DurableStore> durable,
                                                           StateExtension* extension, Log log) {
  std::unique_ptr<FeedStore> store(new FeedStore(std::move(durable), extension, std::move(log)));
  StateRebuilder rebuilder(store->state_, extension);
  FeedState& state = store->state_;
  state.engagements.begin_bulk_load();
  if (auto status = store->durable_->replay(rebuilder); !status.ok()) return status;
  rebuilder.apply_engagements_in_write_order();
  store->checkpoint_counts_.through = rebuilder.checkpoint_through();
  state.engagements.end_bulk_load([&](PostId post) {
    const PostView* view = state.posts.find(post);
    return view != nullptr && view->deleted;
  });
  if (extension) {
    if (auto status = extension->finish_replay(store->state_); !status.ok()) return status;
    if (auto status = store->write_back(); !status.ok()) return status;
    // A long replayed tail is saved now rather than replayed again at the next start.
    if (auto status = store->save_checkpoint(CheckpointSave::kNowIfDue); !status.ok()) {
      return status;
    }
  }
  return store;
}

absl::Status FeedStore::write_back() {
  for (;;) {
    std::vector<StoredPost> records = extension_->take_writebacks(state_, kWriteBackBatch);
    if (records.empty()) return absl::OkStatus();
    const std::vector<StoreMutation> mutations(std::make_move_iterator(records.begin()),
                                               std::make_move_iterator(records.end()));
    if (auto status = commit_durably(mutations); !status.ok()) return status;
  }
}

// A batch between its stage one and the end of its stage two: one or more write calls'. Fields
// after `prepared` are guarded by the store's pipeline_mutex_.
struct FeedStore::PipelinedBatch {
  std::uint64_t ticket = 0;
  std::vector<StoreMutation> mutations;
  WriteSummary summary;  // of its calls together
  std::shared_ptr<const PlannedFacts> facts;  // of its calls, folded in order
  std::unique_ptr<StateExtension::Prepared> prepared;
  // The batch in flight when this one was planned, whose effects the plan assumed.
  std::shared_ptr<const PipelinedBatch> planned_on;
  bool failed = false;
};

// One call's part of a batch.
struct FeedStore::WriteCall {
  std::span<const WriteOp> ops;
  const ItemNamer* item_name;
  absl::StatusOr<WriteSummary> planned = absl::UnknownError("not planned");
};

// A write() waiting to be combined with others (all but `call` under combine_mutex_).
struct FeedStore::QueuedWrite {
  WriteCall call;
  bool taken = false;  // in a leader's group
  bool done = false;   // `result` is final
  absl::StatusOr<WriteSummary> result = absl::UnknownError("not written");
};

FeedStore::PreparedWrite::~PreparedWrite() {
  if (batch_ == nullptr) return;  // committed (or moved from)
  store_->wait_for_turn(*batch_);
  store_->abandon(*batch_);
}

namespace {

bool deletes_posts(std::span<const WriteOp> ops) {
  return std::any_of(ops.begin(), ops.end(),
                     [](const WriteOp& op) { return std::holds_alternative<DeletePost>(op); });
}

}  // namespace

absl::StatusOr<WriteSummary> FeedStore::write(std::span<const WriteOp> ops,
                                              const ItemNamer& item_name) {
  if (deletes_posts(ops)) {  // prepared alone: not combined
    auto prepared = prepare_write(ops, item_name);
    if (!prepared.ok()) return prepared.status();
    return commit_write(std::move(*prepared));
  }
  QueuedWrite mine{WriteCall{ops, &item_name}};
  std::unique_lock lock(combine_mutex_);
  queued_.push_back(&mine);
  combine_changed_.wait(lock, [&] { return mine.done || (!mine.taken && !gathering_); });
  if (mine.done) return std::move(mine.result);

  // This call leads a group: it waits for the pipeline while later calls queue behind it, then
  // takes them along (itself first, then the oldest), and lets the next leader gather meanwhile.
  // Nothing allocates from here until the calls are taken: a throw would leave gathering_ set.
  gathering_ = true;
  lock.unlock();
  enter_preparing(Slot::kBeside);
  lock.lock();
  std::array<QueuedWrite*, kMaxCombinedCalls> members;
  members[0] = &mine;
  std::erase(queued_, &mine);
  const std::size_t others = std::min(queued_.size(), kMaxCombinedCalls - 1);
  std::copy_n(queued_.begin(), others, members.begin() + 1);
  queued_.erase(queued_.begin(), queued_.begin() + static_cast<std::ptrdiff_t>(others));
  const std::span<QueuedWrite* const> group(members.data(), others + 1);
  for (QueuedWrite* queued : group) queued->taken = true;
  gathering_ = false;
  lock.unlock();
  combine_changed_.notify_all();

  // However this ends, every taken call is done (else its caller waits forever), and what
  // write_group() throws (out of memory) is each one's error.
  absl::Cleanup mark_done = [&] {
    lock.lock();
    for (QueuedWrite* queued : group) queued->done = true;
    lock.unlock();
    combine_changed_.notify_all();
  };
  if (absl::Status thrown = or_error_status("writing", [&] {
        write_group(group);
        return absl::OkStatus();
      });
      !thrown.ok()) {
    for (QueuedWrite* queued : group) queued->result = thrown;
  }
  std::move(mark_done).Invoke();
  return std::move(mine.result);
}

std::size_t FeedStore::writes_waiting() const {
  std::lock_guard lock(combine_mutex_);
  return queued_.size();
}

void FeedStore::write_group(std::span<QueuedWrite* const> group) {
  // The slot write() took, left once stage one is done (or however this ends before).
  absl::Cleanup leave = [this] { leave_preparing(); };
  std::vector<WriteCall> calls;
  calls.reserve(group.size());
  for (QueuedWrite* queued : group) calls.push_back(queued->call);
  const auto give_each = [&](const absl::Status& status) {
    for (std::size_t i = 0; i < group.size(); ++i) {
      group[i]->result = status.ok() ? calls[i].planned : status;
    }
  };
  const absl::StatusOr<std::shared_ptr<PipelinedBatch>> batch =
      or_error_status("preparing the write", [&] { return prepare_calls(calls); });
  std::move(leave).Invoke();
  if (!batch.ok()) return give_each(batch.status());
  if (*batch == nullptr) return give_each(absl::OkStatus());  // every call failed its planning
  const absl::StatusOr<WriteSummary> committed = commit_write(PreparedWrite(this, *batch));
  // A call that failed its planning keeps its own error; the others share the batch's fate.
  for (std::size_t i = 0; i < group.size(); ++i) {
    group[i]->result = calls[i].planned.ok() && !committed.ok() ? committed.status()
                                                                : calls[i].planned;
  }
}

absl::StatusOr<FeedStore::PreparedWrite> FeedStore::prepare_write(std::span<const WriteOp> ops,
                                                                  const ItemNamer& item_name) {
  // The extension reads a deleted post's text and vector from the state, which an earlier batch
  // still in flight may not have reached yet: such a batch is prepared alone.
  enter_preparing(deletes_posts(ops) ? Slot::kAlone : Slot::kBeside);
  absl::Cleanup leave = [this] { leave_preparing(); };
  WriteCall call{ops, &item_name};
  auto batch = or_error_status("preparing the write",
                               [&] { return prepare_calls(std::span(&call, 1)); });
  if (!batch.ok()) return batch.status();
  if (!call.planned.ok()) return call.planned.status();
  return PreparedWrite(this, std::move(*batch));
}

absl::StatusOr<std::shared_ptr<FeedStore::PipelinedBatch>> FeedStore::prepare_calls(
    std::span<WriteCall> calls) {
  auto batch = std::make_shared<PipelinedBatch>();
  {
    std::lock_guard lock(pipeline_mutex_);
    batch->planned_on = latest_;
  }
  {
    // The batch before may be applying now: plan under the readers' lock. Each call is planned
    // on the ones before it in this batch (their facts folded into one) and on the batch in
    // flight, newest first: a lookup walks two facts objects however many calls there are.
    auto snap = snapshot();
    std::shared_ptr<PlannedFacts> folded;
    std::vector<const PlannedFacts*> earlier;
    if (batch->planned_on) earlier.push_back(batch->planned_on->facts.get());
    for (WriteCall& call : calls) {
      auto plan = plan_writes(state_, *durable_, call.ops, *call.item_name, earlier);
      if (!plan.ok()) {
        call.planned = plan.status();
        continue;
      }
      call.planned = plan->summary;
      batch->summary += plan->summary;
      if (folded == nullptr) {
        folded = empty_facts();
        earlier.insert(earlier.begin(), folded.get());
      }
      fold_facts(*folded, *plan->facts);
      batch->mutations.insert(batch->mutations.end(),
                              std::make_move_iterator(plan->mutations.begin()),
                              std::make_move_iterator(plan->mutations.end()));
    }
    batch->facts = std::move(folded);
  }
  if (batch->facts == nullptr) return nullptr;  // no call planned
  if (extension_ && !batch->mutations.empty()) {
    auto prepared = extension_->prepare(batch->mutations, state_);
    if (!prepared.ok()) return prepared.status();
    batch->prepared = std::move(*prepared);
  }
  std::lock_guard lock(pipeline_mutex_);
  batch->ticket = next_ticket_++;
  ++in_flight_;
  latest_ = batch;
  return batch;
}

absl::StatusOr<WriteSummary> FeedStore::commit_write(PreparedWrite prepared) {
  const std::shared_ptr<PipelinedBatch> batch = std::move(prepared.batch_);
  wait_for_turn(*batch);
  bool planned_on_failure = false;
  {
    std::lock_guard lock(pipeline_mutex_);
    planned_on_failure = batch->planned_on != nullptr && batch->planned_on->failed;
  }
  if (planned_on_failure) {
    abandon(*batch);
    return absl::AbortedError(
        "the write before this one in the pipeline failed, and this one was validated on top of "
        "it; nothing of it was written");
  }
  std::vector<StoreMutation>& mutations = batch->mutations;
  if (mutations.empty()) {
    finish(*batch, false);
    return batch->summary;
  }
  if (auto status = commit_durably(mutations); !status.ok()) {
    abandon(*batch);
    return status;
  }
  or_stop("applying a stored write in memory", [&] {
    // Maps the batch would rehash are grown now, while readers still read: under their lock a
    // rehash of 2M posts' ids took 120-200 ms. `room` holds the old tables after the swap and
    // frees them when this function returns, after the lock. Only stage two changes state_, and
    // one batch at a time is in it: reading state_ unlocked here is safe.
    FeedState::Room room = state_.make_room(mutations);
    if (extension_) extension_->make_room(mutations);
    apply_exclusively([&] {
      state_.take_room(room);
      if (extension_) extension_->take_room();
      apply_all(mutations, state_, extension_);
    });
  });
  // The write is durable and acknowledged whatever happens here: a failed checkpoint only means
  // a longer replay at the next start, and a later write retries it.
  (void)or_error_status("beginning a checkpoint",
                        [&] { return save_checkpoint(CheckpointSave::kInBackground); });
  finish(*batch, false);
  return batch->summary;
}

void FeedStore::enter_preparing(Slot slot) {
  std::unique_lock lock(pipeline_mutex_);
  if (slot == Slot::kAlone) ++alone_waiting_;
  pipeline_changed_.wait(lock, [&] {
    if (preparing_) return false;
    switch (slot) {
      case Slot::kBeside: return in_flight_ <= 1 && alone_waiting_ == 0;
      case Slot::kAlone: return in_flight_ == 0;
      case Slot::kDiscard: return true;
    }
    return false;
  });
  if (slot == Slot::kAlone) --alone_waiting_;
  preparing_ = true;
}

void FeedStore::leave_preparing() {
  {
    std::lock_guard lock(pipeline_mutex_);
    preparing_ = false;
  }
  pipeline_changed_.notify_all();
}

void FeedStore::wait_for_turn(const PipelinedBatch& batch) {
  std::unique_lock lock(pipeline_mutex_);
  pipeline_changed_.wait(lock, [&] { return turn_ == batch.ticket; });
}

void FeedStore::finish(PipelinedBatch& batch, bool failed) {
  {
    std::lock_guard lock(pipeline_mutex_);
    batch.failed = failed;
    batch.planned_on.reset();  // the successor reads only `failed`: no chain of old batches
    ++turn_;
    --in_flight_;
    if (latest_.get() == &batch) latest_.reset();  // later batches plan on the state alone
  }
  pipeline_changed_.notify_all();
}

void FeedStore::abandon(PipelinedBatch& batch) {
  if (extension_ && batch.prepared) {
    // Not beside another batch's prepare(): both change what prepare() derives (the IDF). A
    // throw (out of memory putting documents back) would leave the IDF half undone.
    enter_preparing(Slot::kDiscard);
    or_stop("undoing a failed write's changes to the IDF",
            [&] { extension_->discard(*batch.prepared); });
    leave_preparing();
  }
  finish(batch, true);
}

absl::Status FeedStore::rewrite(
    absl::FunctionRef<std::vector<StoredPost>(const FeedState&)> derive,
    absl::FunctionRef<void(std::span<const StoredPost>)> publish) {
  enter_preparing(Slot::kAlone);
  absl::Cleanup leave = [this] { leave_preparing(); };
  const std::vector<StoredPost> records = derive(state_);
  if (records.empty()) return absl::OkStatus();
  // The records keep their sequences, and the extension's state keeps what it derived from the
  // old ones (user vectors from the old post vectors). A start replays the records after the
  // last checkpoint against what is stored then: a checkpoint first leaves no record from before
  // the rewrite to be replayed against the rewritten ones.
  // A crash must not lose that checkpoint while keeping the rewrite: it goes to disk first.
  if (auto status = save_checkpoint(CheckpointSave::kForced); !status.ok()) return status;
  if (auto status = durable_->make_checkpoint_durable(); !status.ok()) return status;
  const std::vector<StoreMutation> mutations(records.begin(), records.end());
  if (auto status = commit_durably(mutations); !status.ok()) return status;
  or_stop("applying a stored rewrite in memory",
          [&] { apply_exclusively([&] { publish(records); }); });
  return absl::OkStatus();
}

absl::Status FeedStore::commit_durably(std::span<const StoreMutation> mutations) {
  absl::Status status;
  or_stop("writing to the store", [&] { status = durable_->commit(mutations); });
  return status;
}

void FeedStore::or_stop(std::string_view doing, absl::FunctionRef<void()> step) noexcept {
  try {
    step();
  } catch (...) {
    const absl::Status thrown = status_of_exception(std::current_exception(), doing);
    if (log_) {
      log_(fmt::format("stopping: {}; memory may no longer match the store, and the next start "
                       "rebuilds it from what the store holds",
                       std::string(thrown.message())));
    }
    std::abort();
  }
}

void FeedStore::apply_exclusively(absl::FunctionRef<void()> apply) {
  {
    std::lock_guard waiting(writer_waiting_mutex_);
    writer_waiting_ = true;  // new requests hold back until the batch is applied
  }
  std::unique_lock readers_wait(state_mutex_);
  {
    std::lock_guard waiting(writer_waiting_mutex_);
    writer_waiting_ = false;
  }
  // They then queue on state_mutex_ until the batch is applied.
  writer_applied_.notify_all();
  apply();
}

FeedStore::Snapshot FeedStore::request_snapshot() const {
  {
    // Bounded: a reader that holds its snapshot long (an HNSW sync after a write) must not stall
    // every new request behind the writer waiting for it.
    std::unique_lock waiting(writer_waiting_mutex_);
    writer_applied_.wait_for(waiting, kMaxWaitForWriter, [this] { return !writer_waiting_; });
  }
  return snapshot();
}

absl::Status FeedStore::checkpoint() {
  enter_preparing(Slot::kAlone);
  absl::Cleanup leave = [this] { leave_preparing(); };
  return save_checkpoint(CheckpointSave::kForced);
}

absl::Status FeedStore::save_checkpoint(CheckpointSave how) {
  if (!extension_) return absl::OkStatus();
  const bool save_done = checkpoint_save_.valid() &&
                         checkpoint_save_.wait_for(std::chrono::seconds(0)) ==
                             std::future_status::ready;
  if (how == CheckpointSave::kInBackground && !save_done && !extension_->checkpoint_due()) {
    return absl::OkStatus();  // the common case: nothing due, nothing to collect
  }
  // One save at a time, in order: a due checkpoint waits for the one before (long done at the
  // default of one per 100,000 user-vector events).
  absl::Status previous = finish_checkpoint_save();
  if (!extension_->begin_checkpoint(how == CheckpointSave::kForced)) return previous;
  // The extension's states are copied beside the later writes, then saved.
  const auto take_and_save = [this] {
    const auto under_readers_lock = [this](absl::FunctionRef<void()> read) {
      const Snapshot snapshot = request_snapshot();
      read();
    };
    Sequence through = 0;
    // A failure costs only a longer replay: the users go into the next checkpoint
    // (checkpoint_finished(false)). Nothing it throws may reach the write that collects it.
    const absl::Status status =
        or_error_status("copying or saving the checkpoint's user states", [&] {
          const Checkpoint checkpoint = extension_->take_checkpoint(under_readers_lock);
          through = checkpoint.through();
          return durable_->save_checkpoint(checkpoint);
        });
    count_checkpoint_save(status, through);
    return status;
  };
  if (how == CheckpointSave::kInBackground) {
    try {
      checkpoint_save_ = std::async(std::launch::async, take_and_save);
      return previous;
    } catch (const std::exception&) {
      // No thread to be had: save it here, as a forced one is.
    }
  }
  absl::Status status = take_and_save();
  extension_->checkpoint_finished(status.ok());
  return status;
}

FeedStore::~FeedStore() {
  if (checkpoint_save_.valid()) checkpoint_save_.wait();  // it writes through durable_
}

void FeedStore::count_checkpoint_save(const absl::Status& status, Sequence through) {
  Sequence stored_through = 0;
  {
    std::lock_guard lock(checkpoint_counts_mutex_);
    if (status.ok()) {
      ++checkpoint_counts_.saved;
      checkpoint_counts_.through = std::max(checkpoint_counts_.through, through);
      return;
    }
    ++checkpoint_counts_.failed;
    checkpoint_counts_.last_error = std::string(status.message());
    stored_through = checkpoint_counts_.through;
  }
  if (log_) {
    log_(fmt::format("a checkpoint of user-vector states was not saved: {}; its users go into the "
                     "next one, and a start now replays the records after {}",
                     std::string(status.message()), stored_through));
  }
}

absl::Status FeedStore::finish_checkpoint_save() {
  if (!checkpoint_save_.valid()) return absl::OkStatus();
  // The save reports its errors; should it throw all the same, the extension still hears of it.
  absl::Status status =
      or_error_status("saving a checkpoint", [&] { return checkpoint_save_.get(); });
  extension_->checkpoint_finished(status.ok());
  return status;
}

std::vector<MemoryPart> FeedStore::memory_breakdown() const {
  std::vector<MemoryPart> parts;
  {
    auto snap = snapshot();
    const FeedState& state = snap.state();
    // The users' handles and the by-handle index count with the users.
    std::size_t users = table_bytes(state.users) + state.handles.memory_bytes();
    for (const auto& [id, user] : state.users) users += heap_bytes(user.handle);
    parts.push_back({"users and handles", users});
    parts.push_back({"follow graph", state.graph.memory_bytes()});
    parts.push_back({"posts and texts", state.posts.posts_memory_bytes()});
    parts.push_back({"timelines", state.posts.timelines_memory_bytes()});
    parts.push_back({"engagements", state.engagements.memory_bytes()});
  }
  for (MemoryPart& part : durable_->memory_usage()) parts.push_back(std::move(part));
  return parts;
}

StoreCounts FeedStore::counts() const {
  StoreCounts counts;
  {
    std::lock_guard lock(checkpoint_counts_mutex_);
    counts.checkpoints = checkpoint_counts_;
  }
  auto snap = snapshot();
  const FeedState& state = snap.state();
  counts.users = state.users.size();
  counts.posts = state.posts.live_count();
  counts.follows = state.graph.edge_count();
  counts.engagements = state.posts.engagement_count();
  counts.checkpoints.last_sequence = state.last_sequence;
  return counts;
}

}  // namespace feedrank::store
