#include "store/feed_store.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "absl/cleanup/cleanup.h"

#include "common/memory_bytes.h"

namespace feedrank::store {
namespace {

// Longer than a feed request holds its snapshot (milliseconds), so overlapping requests drain
// and the writer gets in; short enough that a long reader delays new requests only this much.
constexpr std::chrono::milliseconds kMaxWaitForWriter{50};
// Records written back per commit at start (bounded memory for a store of millions of posts).
constexpr std::size_t kWriteBackBatch = 10'000;

class StateRebuilder final : public StoreVisitor {
 public:
  StateRebuilder(FeedState& state, StateExtension* extension)
      : state_(state), extension_(extension) {}

  void on_checkpoint(Sequence through) override {
    if (extension_) extension_->restore_checkpoint(through);
  }
  void on_user(User user) override { apply(std::move(user)); }
  void on_post(StoredPost post) override { apply(std::move(post)); }
  void on_follow(const Follow& follow) override { apply(follow); }
  void on_engagement(const StoredEngagement& engagement) override { apply(engagement); }
  void on_user_state(UserId user, std::string state) override {
    if (extension_) extension_->restore_user_state(user, std::move(state));
  }

 private:
  void apply(StoreMutation mutation) {
    if (extension_) extension_->apply(mutation, state_);
    state_.apply(std::move(mutation));
  }

  FeedState& state_;
  StateExtension* extension_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<FeedStore>> FeedStore::open(std::unique_ptr<DurableStore> durable,
                                                           StateExtension* extension) {
  std::unique_ptr<FeedStore> store(new FeedStore(std::move(durable), extension));
  StateRebuilder rebuilder(store->state_, extension);
  FeedState& state = store->state_;
  state.engagements.begin_bulk_load();
  if (auto status = store->durable_->replay(rebuilder); !status.ok()) return status;
  state.engagements.end_bulk_load([&](PostId post) {
    const PostView* view = state.posts.find(post);
    return view != nullptr && view->deleted;
  });
  if (extension) {
    if (auto status = extension->finish_replay(store->state_); !status.ok()) return status;
    if (auto status = store->write_back(); !status.ok()) return status;
    // A long replayed tail is saved now rather than replayed again at the next start.
    if (auto status = store->save_checkpoint(false); !status.ok()) return status;
  }
  return store;
}

absl::Status FeedStore::write_back() {
  for (;;) {
    std::vector<StoredPost> records = extension_->take_writebacks(state_, kWriteBackBatch);
    if (records.empty()) return absl::OkStatus();
    const std::vector<StoreMutation> mutations(std::make_move_iterator(records.begin()),
                                               std::make_move_iterator(records.end()));
    if (auto status = durable_->commit(mutations); !status.ok()) return status;
  }
}

// A batch between its stage one and the end of its stage two. Fields after `prepared` are
// guarded by the store's pipeline_mutex_.
struct FeedStore::PipelinedBatch {
  std::uint64_t ticket = 0;
  WritePlan plan;
  std::unique_ptr<StateExtension::Prepared> prepared;
  // The batch in flight when this one was planned, whose effects the plan assumed.
  std::shared_ptr<const PipelinedBatch> planned_on;
  bool failed = false;
};

FeedStore::PreparedWrite::~PreparedWrite() {
  if (batch_ == nullptr) return;  // committed (or moved from)
  store_->wait_for_turn(*batch_);
  store_->abandon(*batch_);
}

absl::StatusOr<WriteSummary> FeedStore::write(std::span<const WriteOp> ops,
                                              const ItemNamer& item_name) {
  auto prepared = prepare_write(ops, item_name);
  if (!prepared.ok()) return prepared.status();
  return commit_write(std::move(*prepared));
}

absl::StatusOr<FeedStore::PreparedWrite> FeedStore::prepare_write(std::span<const WriteOp> ops,
                                                                  const ItemNamer& item_name) {
  // The extension reads a deleted post's text and vector from the state, which an earlier batch
  // still in flight may not have reached yet: such a batch is prepared alone.
  const bool deletes = std::any_of(ops.begin(), ops.end(), [](const WriteOp& op) {
    return std::holds_alternative<DeletePost>(op);
  });
  enter_preparing(deletes ? Slot::kAlone : Slot::kBeside);
  absl::Cleanup leave = [this] { leave_preparing(); };
  auto batch = std::make_shared<PipelinedBatch>();
  {
    std::lock_guard lock(pipeline_mutex_);
    batch->planned_on = latest_;
  }
  {
    // The batch before may be applying now: plan under the readers' lock.
    auto snap = snapshot();
    auto plan = plan_writes(state_, *durable_, ops, item_name,
                            batch->planned_on ? batch->planned_on->plan.facts.get() : nullptr);
    if (!plan.ok()) return plan.status();
    batch->plan = std::move(*plan);
  }
  if (extension_ && !batch->plan.mutations.empty()) {
    auto prepared = extension_->prepare(batch->plan.mutations, state_);
    if (!prepared.ok()) return prepared.status();
    batch->prepared = std::move(*prepared);
  }
  std::lock_guard lock(pipeline_mutex_);
  batch->ticket = next_ticket_++;
  ++in_flight_;
  latest_ = batch;
  return PreparedWrite(this, std::move(batch));
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
  std::vector<StoreMutation>& mutations = batch->plan.mutations;
  if (mutations.empty()) {
    finish(*batch, false);
    return batch->plan.summary;
  }
  if (auto status = durable_->commit(mutations); !status.ok()) {
    abandon(*batch);
    return status;
  }
  // Maps the batch would rehash are grown now, while readers still read: under their lock a
  // rehash of 2M posts' ids took 120-200 ms. `room` holds the old tables after the swap and
  // frees them when this function returns, after the lock. Only stage two changes state_, and
  // one batch at a time is in it: reading state_ unlocked here is safe.
  FeedState::Room room = state_.make_room(mutations);
  if (extension_) extension_->make_room(mutations);
  apply_exclusively([&] {
    state_.take_room(room);
    if (extension_) extension_->take_room();
    for (auto& mutation : mutations) {
      if (extension_) extension_->apply(mutation, state_);
      state_.apply(std::move(mutation));
    }
  });
  // The write is durable and acknowledged whatever happens here: a failed checkpoint only means
  // a longer replay at the next start, and the next write retries it.
  (void)save_checkpoint(false);
  finish(*batch, false);
  return batch->plan.summary;
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
    // Not beside another batch's prepare(): both change what prepare() derives (the IDF).
    enter_preparing(Slot::kDiscard);
    extension_->discard(*batch.prepared);
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
  const std::vector<StoreMutation> mutations(records.begin(), records.end());
  if (auto status = durable_->commit(mutations); !status.ok()) return status;
  apply_exclusively([&] { publish(records); });
  return absl::OkStatus();
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
  return save_checkpoint(true);
}

absl::Status FeedStore::save_checkpoint(bool force) {
  if (!extension_) return absl::OkStatus();
  auto checkpoint = extension_->checkpoint(force);
  if (!checkpoint) return absl::OkStatus();
  if (auto status = durable_->save_checkpoint(*checkpoint); !status.ok()) return status;
  extension_->checkpoint_saved();
  return absl::OkStatus();
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
  auto snap = snapshot();
  const FeedState& state = snap.state();
  return StoreCounts{state.users.size(), state.posts.live_count(), state.graph.edge_count(),
                     state.posts.engagement_count()};
}

}  // namespace feedrank::store
