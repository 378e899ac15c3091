#include "store/social_graph.h"

#include "common/memory_bytes.h"

namespace feedrank::store {
namespace {

const UserSet& find_or_empty(const absl::flat_hash_map<UserId, UserSet>& map, UserId user) {
  static const UserSet kEmpty;
  auto it = map.find(user);
  return it == map.end() ? kEmpty : it->second;
}

}  // namespace

bool UserSet::insert(UserId user) {
  const auto at = std::lower_bound(ids_.begin(), ids_.end(), user);
  if (at != ids_.end() && *at == user) return false;
  ids_.insert(at, user);
  return true;
}

bool UserSet::erase(UserId user) {
  const auto at = std::lower_bound(ids_.begin(), ids_.end(), user);
  if (at == ids_.end() || *at != user) return false;
  ids_.erase(at);
  return true;
}

void SocialGraph::prefetch(UserId follower, UserId followee, PrefetchStep step) const {
  if (step == PrefetchStep::kSlots) {
    followees_.prefetch(follower);
    follower_counts_.prefetch(followee);
    return;
  }
  if (const auto it = followees_.find(follower); it != followees_.end()) {
    prefetch_bytes(it->second.end_data(), sizeof(UserId));
  }
}

bool SocialGraph::add(UserId follower, UserId followee) {
  if (!followees_[follower].insert(followee)) return false;
  ++follower_counts_[followee];
  ++edge_count_;
  return true;
}

bool SocialGraph::remove(UserId follower, UserId followee) {
  const auto followees = followees_.find(follower);
  if (followees == followees_.end() || !followees->second.erase(followee)) return false;
  if (followees->second.empty()) followees_.erase(followees);
  const auto count = follower_counts_.find(followee);
  if (--count->second == 0) follower_counts_.erase(count);
  --edge_count_;
  return true;
}

bool SocialGraph::follows(UserId follower, UserId followee) const {
  return find_or_empty(followees_, follower).contains(followee);
}

const UserSet& SocialGraph::followees(UserId user) const { return find_or_empty(followees_, user); }

std::size_t SocialGraph::follower_count(UserId user) const {
  const auto it = follower_counts_.find(user);
  return it == follower_counts_.end() ? 0 : it->second;
}

std::size_t SocialGraph::memory_bytes() const {
  std::size_t bytes = table_bytes(followees_) + table_bytes(follower_counts_);
  for (const auto& [user, followees] : followees_) bytes += followees.memory_bytes();
  return bytes;
}

}  // namespace feedrank::store
