// A checkpoint's user states copied beside the writes that go on changing them. The write
// pipeline begins the copy (cheap), and the states are copied on the thread that saves the
// checkpoint, while later batches apply. A write about to change a user that the checkpoint
// still lacks copies that user's state first, so the checkpoint holds every state as it was at
// its sequence. Copying 10,000 states in the pipeline held every write up for ~30 ms a
// checkpoint (benchmarks/RESULTS.md, thirty-second and thirty-third sessions).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "store/checkpoint.h"

namespace feedrank::store {

class CheckpointCopy {
 public:
  // Writes `user`'s state into `room` and returns how many bytes it wrote (at most the
  // `bytes_each` given to begin()).
  using WriteState = std::function<std::size_t(UserId user, std::span<char> room)>;

  explicit CheckpointCopy(WriteState write_state) : write_state_(std::move(write_state)) {}

  // The writer, with no copy open: opens one of `users`' states at `through`.
  void begin(Sequence through, const absl::flat_hash_set<UserId>& users, std::size_t bytes_each);

  // The writer: runs `change`, which may change `user`'s state and insert or erase other users.
  // While a copy is open, it first copies `user`'s state if the copy lacks it, and the change
  // runs under the copy's lock, so that the copying thread never reads a state mid-change.
  void change(UserId user, absl::FunctionRef<void()> change);

  // Any one thread, once after begin(): copies the states the writer has not, closes the copy
  // and returns the checkpoint.
  Checkpoint take();

 private:
  // Under mutex_: copies `user`'s state into `into` unless it is already copied.
  void copy_if_missing(UserId user, Checkpoint& into);

  WriteState write_state_;
  std::mutex mutex_;
  std::atomic<bool> open_ = false;  // set by the writer; cleared under mutex_ by take()
  // Set by begin(); read by take() and under mutex_ by the writer.
  Sequence through_ = 0;
  std::size_t bytes_each_ = 0;
  std::vector<UserId> users_;               // the checkpoint's users, in take()'s order
  absl::flat_hash_set<UserId> not_copied_;  // under mutex_
  Checkpoint copied_by_writer_;             // under mutex_
};

}  // namespace feedrank::store
