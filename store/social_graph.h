// The follow graph in both directions, rebuilt from the store on start. Not thread-safe:
// FeedStore guards it.
#pragma once

#include <cstddef>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "store/records.h"

namespace feedrank::store {

using UserSet = absl::flat_hash_set<UserId>;

class SocialGraph {
 public:
  // Both return whether the graph changed.
  bool add(UserId follower, UserId followee);
  bool remove(UserId follower, UserId followee);

  bool follows(UserId follower, UserId followee) const;
  const UserSet& followees(UserId user) const;
  const UserSet& followers(UserId user) const;
  std::size_t edge_count() const { return edge_count_; }
  // Heap bytes of both directions' sets (common/memory_bytes.h).
  std::size_t memory_bytes() const;

 private:
  absl::flat_hash_map<UserId, UserSet> followees_;
  absl::flat_hash_map<UserId, UserSet> followers_;
  std::size_t edge_count_ = 0;
};

}  // namespace feedrank::store
