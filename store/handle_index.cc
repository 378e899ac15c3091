#include "store/handle_index.h"

#include <algorithm>

#include "common/memory_bytes.h"

namespace feedrank::store {

void HandleIndex::rename(UserId user, std::string_view previous, std::string_view handle) {
  if (previous == handle) return;
  if (auto old = ids_.find(std::string(previous)); old != ids_.end()) {
    std::erase(old->second, user);
    if (old->second.empty()) ids_.erase(old);
  }
  std::vector<UserId>& ids = ids_[std::string(handle)];
  ids.insert(std::lower_bound(ids.begin(), ids.end(), user), user);
}

std::span<const UserId> HandleIndex::users(std::string_view handle) const {
  const auto found = ids_.find(std::string(handle));
  if (found == ids_.end()) return {};
  return found->second;
}

std::size_t HandleIndex::memory_bytes() const {
  std::size_t bytes = table_bytes(ids_);
  for (const auto& [handle, users] : ids_) bytes += heap_bytes(handle) + heap_bytes(users);
  return bytes;
}

}  // namespace feedrank::store
