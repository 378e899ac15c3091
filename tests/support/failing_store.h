// A DurableStore that delegates to another (RocksDB in the tests) but can be told to fail the
// next commit, or the commit of a given number, as a full disk would; it counts the commits.
// Checkpoint saves can be held back or failed the same way.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <new>
#include <stdexcept>
#include <thread>
#include <utility>

#include "store/durable_store.h"

namespace feedrank::testing {

class FailingStore final : public store::DurableStore {
 public:
  explicit FailingStore(std::unique_ptr<store::DurableStore> inner) : inner_(std::move(inner)) {}
  std::atomic<bool> fail_next_commit = false;
  std::atomic<bool> throw_next_commit = false;  // as an encoding out of memory would
  std::atomic<int> fail_commit_number = -1;  // fails the commit numbered so (0: the first)
  std::atomic<int> commits = 0;              // commit() calls so far, failed ones included

  absl::Status commit(std::span<const store::StoreMutation> mutations) override {
    const int number = commits++;
    if (fail_next_commit.exchange(false) || number == fail_commit_number) {
      return absl::InternalError("disk full");
    }
    if (throw_next_commit.exchange(false)) throw std::bad_alloc();
    return inner_->commit(mutations);
  }
  // Checkpoint saves: counted when they start; while `hold_checkpoints` is set they wait (a slow
  // disk); `fail_next_checkpoint` fails one without writing anything, `throw_next_checkpoint`
  // throws instead (as a library might); `cut_next_checkpoint_at` = n fails the next one once its
  // first n user states are saved, as a crash there would.
  std::atomic<int> checkpoint_saves = 0;
  std::atomic<bool> hold_checkpoints = false;
  std::atomic<bool> fail_next_checkpoint = false;
  std::atomic<bool> throw_next_checkpoint = false;
  std::atomic<int> cut_next_checkpoint_at = -1;

  absl::Status save_checkpoint(const store::Checkpoint& checkpoint) override {
    ++checkpoint_saves;
    while (hold_checkpoints) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (fail_next_checkpoint.exchange(false)) return absl::InternalError("disk full");
    if (throw_next_checkpoint.exchange(false)) throw std::runtime_error("checksum mismatch");
    cut_at_ = cut_next_checkpoint_at.exchange(-1);
    absl::Status status = DurableStore::save_checkpoint(checkpoint);  // in pieces, the two below
    cut_at_ = -1;
    return status;
  }
  absl::Status save_user_states(const store::Checkpoint& checkpoint, std::size_t first,
                                std::size_t end) override {
    if (cut_at_ < 0 || end <= static_cast<std::size_t>(cut_at_)) {
      return inner_->save_user_states(checkpoint, first, end);
    }
    const std::size_t cut = std::max(first, static_cast<std::size_t>(cut_at_));
    if (auto status = inner_->save_user_states(checkpoint, first, cut); !status.ok()) return status;
    return absl::InternalError("disk full");
  }
  absl::Status save_checkpoint_sequence(store::Sequence through) override {
    if (cut_at_ >= 0) return absl::InternalError("disk full");  // cut after its last state
    return inner_->save_checkpoint_sequence(through);
  }
  absl::Status make_checkpoint_durable() override { return inner_->make_checkpoint_durable(); }
  absl::Status replay(store::StoreVisitor& visitor) const override {
    return inner_->replay(visitor);
  }
  absl::StatusOr<bool> contains(const Engagement& engagement) const override {
    return inner_->contains(engagement);
  }

 private:
  std::unique_ptr<store::DurableStore> inner_;
  int cut_at_ = -1;  // of the save under way
};

}  // namespace feedrank::testing
