// A checkpoint's user states copied beside the writes that go on changing them. The write
// pipeline only begins the copy; the thread that saves the checkpoint copies the states, a few
// at a time under the readers' lock, while later batches apply between those turns. A write
// about to change a user that the copy still lacks copies that user's state first, so the
// checkpoint holds every state as it was at its sequence. Copying 10,000 states in the pipeline
// held every write up for 30-48 ms a checkpoint (benchmarks/RESULTS.md, thirty-third session).
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "store/checkpoint.h"
#include "store/state_extension.h"

namespace feedrank::store {

class CheckpointCopy {
 public:
  // Writes `user`'s state into `room` and returns how many bytes it wrote (at most the
  // `bytes_each` given to begin()).
  using WriteState = std::function<std::size_t(UserId user, std::span<char> room)>;

  explicit CheckpointCopy(WriteState write_state) : write_state_(std::move(write_state)) {}

  // The writer, with no copy open: opens one of `users`' states at `through`.
  void begin(Sequence through, const absl::flat_hash_set<UserId>& users, std::size_t bytes_each);

  // The writer, under the readers' lock (exclusive), before it changes `user`'s state: copies
  // that state first if the open copy lacks it.
  void before_change(UserId user);

  // Any one thread, once after begin(): copies the states the writer has not, a few at a time
  // under `under_readers_lock` (shared), closes the copy and returns the checkpoint. The copy is
  // closed also when this throws (no memory for the states).
  Checkpoint take(StateExtension::UnderReadersLock under_readers_lock);

 private:
  void copy_if_missing(UserId user, Checkpoint& into);
  // Runs `copy` (which copies `user`'s state somewhere) when the copy lacks that state.
  void copy_if_missing(UserId user, absl::FunctionRef<void()> copy);

  WriteState write_state_;
  // All set by begin() on the writer, while no take() runs (the store waits for the last one
  // and then starts the thread of the next). Then through_ and users_ belong to take(),
  // bytes_each_ is only read, and the rest are touched under the readers' lock, by the writer
  // (exclusive) and take() (shared).
  Sequence through_ = 0;
  std::size_t bytes_each_ = 0;
  std::vector<UserId> users_;  // the checkpoint's users, in take()'s order
  bool open_ = false;
  absl::flat_hash_set<UserId> not_copied_;
  // Where the writer copies once take() has handed over its checkpoint, made with room for every
  // state, so that no copy under the exclusive lock grows a block (a block of the writer's own,
  // doubling there, took 1-7 ms three times a checkpoint). Null before: the few states copied
  // until then (while take() makes that room) are strings of their own.
  Checkpoint* writer_copies_into_ = nullptr;
  std::vector<std::pair<UserId, std::string>> copied_early_;
};

}  // namespace feedrank::store
