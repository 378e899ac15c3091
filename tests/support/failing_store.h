// A DurableStore that delegates to another (RocksDB in the tests) but can be told to fail the
// next commit, as a full disk would.
#pragma once

#include <atomic>
#include <memory>
#include <utility>

#include "store/durable_store.h"

namespace feedrank::testing {

class FailingStore final : public store::DurableStore {
 public:
  explicit FailingStore(std::unique_ptr<store::DurableStore> inner) : inner_(std::move(inner)) {}
  std::atomic<bool> fail_next_commit = false;

  absl::Status commit(std::span<const store::StoreMutation> mutations) override {
    if (fail_next_commit.exchange(false)) return absl::InternalError("disk full");
    return inner_->commit(mutations);
  }
  absl::Status save_checkpoint(const store::Checkpoint& checkpoint) override {
    return inner_->save_checkpoint(checkpoint);
  }
  absl::Status replay(store::StoreVisitor& visitor) const override {
    return inner_->replay(visitor);
  }
  absl::StatusOr<bool> contains(const Engagement& engagement) const override {
    return inner_->contains(engagement);
  }

 private:
  std::unique_ptr<store::DurableStore> inner_;
};

}  // namespace feedrank::testing
