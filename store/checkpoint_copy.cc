#include "store/checkpoint_copy.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "absl/cleanup/cleanup.h"

namespace feedrank::store {
namespace {

// States copied in one turn under the readers' lock (~0.1 ms): a batch waits at most that long.
constexpr std::size_t kStatesPerTurn = 64;

}  // namespace

void CheckpointCopy::begin(Sequence through, const absl::flat_hash_set<UserId>& users,
                           std::size_t bytes_each) {
  assert(!open_);  // take() closes the copy however it ends
  through_ = through;
  bytes_each_ = bytes_each;
  users_.assign(users.begin(), users.end());
  not_copied_ = users;
  open_ = true;
}

Checkpoint CheckpointCopy::take(StateExtension::UnderReadersLock under_readers_lock) {
  Checkpoint taken(through_);
  // However take() ends (the room's allocation included): a copy left open would go on copying
  // states for the writer.
  absl::Cleanup close = [&] {
    under_readers_lock([&] {
      open_ = false;
      not_copied_.clear();
      writer_copies_into_ = nullptr;
      std::vector<std::pair<UserId, std::string>>().swap(copied_early_);
    });
    std::vector<UserId>().swap(users_);  // its memory too
  };
  // Made and faulted in outside the lock, with room for every state: that was half of the cost
  // in the pipeline.
  taken.reserve(users_.size(), bytes_each_);
  under_readers_lock([&] {
    for (const auto& [user, state] : copied_early_) taken.add_copy(user, state);
    std::vector<std::pair<UserId, std::string>>().swap(copied_early_);
    writer_copies_into_ = &taken;
  });
  for (std::size_t first = 0; first < users_.size(); first += kStatesPerTurn) {
    const std::size_t end = std::min(users_.size(), first + kStatesPerTurn);
    under_readers_lock([&] {
      for (std::size_t i = first; i < end; ++i) copy_if_missing(users_[i], taken);
    });
  }
  std::move(close).Invoke();
  return taken;
}

void CheckpointCopy::before_change(UserId user) {
  if (!open_) return;
  if (writer_copies_into_ != nullptr) {
    copy_if_missing(user, *writer_copies_into_);
    return;
  }
  copy_if_missing(user, [&] {
    std::string state(bytes_each_, '\0');
    state.resize(write_state_(user, state));
    copied_early_.emplace_back(user, std::move(state));
  });
}

void CheckpointCopy::copy_if_missing(UserId user, Checkpoint& into) {
  copy_if_missing(user, [&] {
    into.add(user, bytes_each_, [&](std::span<char> room) { return write_state_(user, room); });
  });
}

void CheckpointCopy::copy_if_missing(UserId user, absl::FunctionRef<void()> copy) {
  if (!not_copied_.contains(user)) return;
  copy();
  not_copied_.erase(user);  // only once it is in: `copy` may throw (no memory)
}

}  // namespace feedrank::store
