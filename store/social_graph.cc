#include "store/social_graph.h"

#include "common/memory_bytes.h"

namespace feedrank::store {
namespace {

const UserSet& find_or_empty(const absl::flat_hash_map<UserId, UserSet>& map, UserId user) {
  static const UserSet kEmpty;
  auto it = map.find(user);
  return it == map.end() ? kEmpty : it->second;
}

void erase_and_prune(absl::flat_hash_map<UserId, UserSet>& map, UserId key, UserId value) {
  auto it = map.find(key);
  if (it == map.end()) return;
  it->second.erase(value);
  if (it->second.empty()) map.erase(it);
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
    followers_.prefetch(followee);
    return;
  }
  if (const auto it = followees_.find(follower); it != followees_.end()) {
    prefetch_bytes(it->second.end_data(), sizeof(UserId));
  }
  if (const auto it = followers_.find(followee); it != followers_.end()) {
    prefetch_bytes(it->second.end_data(), sizeof(UserId));
  }
}

bool SocialGraph::add(UserId follower, UserId followee) {
  if (!followees_[follower].insert(followee)) return false;
  followers_[followee].insert(follower);
  ++edge_count_;
  return true;
}

bool SocialGraph::remove(UserId follower, UserId followee) {
  if (!follows(follower, followee)) return false;
  erase_and_prune(followees_, follower, followee);
  erase_and_prune(followers_, followee, follower);
  --edge_count_;
  return true;
}

bool SocialGraph::follows(UserId follower, UserId followee) const {
  return find_or_empty(followees_, follower).contains(followee);
}

const UserSet& SocialGraph::followees(UserId user) const { return find_or_empty(followees_, user); }

const UserSet& SocialGraph::followers(UserId user) const { return find_or_empty(followers_, user); }

std::size_t SocialGraph::memory_bytes() const {
  std::size_t bytes = table_bytes(followees_) + table_bytes(followers_);
  for (const auto& [user, followees] : followees_) bytes += followees.memory_bytes();
  for (const auto& [user, followers] : followers_) bytes += followers.memory_bytes();
  return bytes;
}

}  // namespace feedrank::store
