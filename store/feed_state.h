// Everything the service keeps in memory, derived from the durable store. One function,
// apply(), changes it: used both for live writes and for the replay at start-up.
#pragma once

#include <optional>
#include <span>

#include "absl/container/flat_hash_map.h"
#include "common/batch_prefetch.h"
#include "common/grow_aside.h"
#include "store/durable_store.h"
#include "store/engagement_history.h"
#include "store/handle_index.h"
#include "store/post_catalog.h"
#include "store/social_graph.h"

namespace feedrank::store {

struct FeedState {
  GrownAsideMap<UserId, User> users;
  HandleIndex handles;  // users by handle
  SocialGraph graph;
  PostCatalog posts;
  EngagementHistory engagements;
  Sequence last_sequence = 0;  // the highest applied; the next post or engagement gets one more

  void apply(StoreMutation mutation);
  // A hint that apply(mutation) comes soon (common/batch_prefetch.h): asks for what it will
  // look up in the large maps.
  void prefetch(const StoreMutation& mutation, PrefetchStep step) const;

  // What a writer prepares before locking readers out so that applying `batch` does not rehash
  // a large map under the lock (common/grow_aside.h); make_room() only reads the state.
  struct Room {
    std::optional<GrownAsideMap<UserId, User>> users;
    PostCatalog::Room posts;
  };
  Room make_room(std::span<const StoreMutation> batch) const;
  // Under the exclusive lock, before applying the batch; `room` then holds the old tables, to be
  // freed once the lock is released.
  void take_room(Room& room);
};

}  // namespace feedrank::store
