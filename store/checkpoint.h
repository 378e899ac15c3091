// What a layer above the store derived from every record up to a sequence, saved so that a
// restart replays only the records after it: opaque bytes per user, only those changed since the
// previous checkpoint (the saved ones of other users stay).
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/faulted_in_allocator.h"
#include "store/records.h"

namespace feedrank::store {

// Arrival order of the records that feed user vectors (posts and engagements): 1, 2, 3, ... in
// commit order across the store's life; 0 for records written before sequences existed.
using Sequence = std::uint64_t;

// The states lie one after another in one block, made and faulted in at once by reserve(). Before,
// each was a string of its own, and the malloc of ten thousand of them (a page fault every 4 KB,
// the arena grown again after every save) was most of the ~40 ms a checkpoint then held the
// write pipeline (benchmarks/RESULTS.md, thirty-second session).
class Checkpoint {
 public:
  explicit Checkpoint(Sequence through = 0) : through_(through) {}
  Sequence through() const { return through_; }

  // Room for `users` states of at most `bytes_each` bytes.
  void reserve(std::size_t users, std::size_t bytes_each) {
    users_.reserve(users);
    ends_.reserve(users);
    bytes_.reserve(users * bytes_each);
  }
  // Appends `user`'s state, written by `write(std::span<char> room)` into `room` (`at_most`
  // bytes), which returns how many bytes it wrote. `write` must not throw.
  template <class Write>
  void add(UserId user, std::size_t at_most, Write&& write) {
    const std::size_t start = bytes_.size();
    bytes_.resize(start + at_most);
    const std::size_t written = write(std::span<char>(bytes_).subspan(start));
    assert(written <= at_most);
    bytes_.resize(start + written);
    users_.push_back(user);
    ends_.push_back(bytes_.size());
  }
  // Appends a copy of `state` as `user`'s.
  void add_copy(UserId user, std::string_view state) {
    add(user, state.size(), [state](std::span<char> room) {
      std::ranges::copy(state, room.begin());
      return state.size();
    });
  }

  std::size_t user_count() const { return users_.size(); }
  UserId user(std::size_t i) const { return users_[i]; }
  std::string_view state(std::size_t i) const {
    const std::size_t start = i == 0 ? 0 : ends_[i - 1];
    return {bytes_.data() + start, ends_[i] - start};
  }

 private:
  Sequence through_;
  std::vector<UserId> users_;
  std::vector<std::size_t> ends_;  // user i's state ends here in bytes_
  std::vector<char, FaultedInAllocator<char>> bytes_;
};

}  // namespace feedrank::store
