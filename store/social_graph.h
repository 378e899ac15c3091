// The follow graph, rebuilt from the store on start: each user's followees as a list, and each
// user's follower count (nothing reads a list of followers; keeping one made a follow of an
// account with a million followers shift megabytes under the readers' lock). Not thread-safe:
// FeedStore guards it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/batch_prefetch.h"
#include "store/records.h"

namespace feedrank::store {

// One user's followees: ids ascending in one array, 8 bytes an edge (a hash set per
// user held 15 to 30). A new edge is inserted in place, moving the ids above it: the start-up
// replay reads follows in id order, so there it appends.
class UserSet {
 public:
  bool contains(UserId user) const { return std::binary_search(ids_.begin(), ids_.end(), user); }
  std::size_t size() const { return ids_.size(); }
  bool empty() const { return ids_.empty(); }
  auto begin() const { return ids_.begin(); }
  auto end() const { return ids_.end(); }

  // Whether the set changed.
  bool insert(UserId user);
  bool erase(UserId user);
  std::size_t memory_bytes() const { return ids_.capacity() * sizeof(UserId); }
  // Where an id that sorts last would go: follows mostly arrive in id order.
  const UserId* end_data() const { return ids_.data() + ids_.size(); }

 private:
  std::vector<UserId> ids_;
};

class SocialGraph {
 public:
  // Both return whether the graph changed.
  bool add(UserId follower, UserId followee);
  bool remove(UserId follower, UserId followee);

  // A hint before add() or remove() in a batch (common/batch_prefetch.h).
  void prefetch(UserId follower, UserId followee, PrefetchStep step) const;

  bool follows(UserId follower, UserId followee) const;
  const UserSet& followees(UserId user) const;
  std::size_t follower_count(UserId user) const;
  std::size_t edge_count() const { return edge_count_; }
  // Heap bytes of the followee lists and the follower counts (common/memory_bytes.h).
  std::size_t memory_bytes() const;

 private:
  absl::flat_hash_map<UserId, UserSet> followees_;
  absl::flat_hash_map<UserId, std::size_t> follower_counts_;
  std::size_t edge_count_ = 0;
};

}  // namespace feedrank::store
