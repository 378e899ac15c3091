// Users by handle, for finding a viewer by the name people know them by. Handles need not be
// unique (an upsert may give any handle), so a handle names a sorted list of ids. Not
// thread-safe: FeedStore guards it.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "store/records.h"

namespace feedrank::store {

class HandleIndex {
 public:
  // `user` now has `handle`; `previous` is the handle it had (empty for a new user).
  void rename(UserId user, std::string_view previous, std::string_view handle);
  // Ascending ids of the users with exactly this handle; empty when none.
  std::span<const UserId> users(std::string_view handle) const;
  // Heap bytes of the index (common/memory_bytes.h).
  std::size_t memory_bytes() const;

 private:
  absl::flat_hash_map<std::string, std::vector<UserId>> ids_;
};

}  // namespace feedrank::store
