// Everything the service keeps in memory, derived from the durable store. One function,
// apply(), changes it: used both for live writes and for the replay at start-up.
#pragma once

#include "absl/container/flat_hash_map.h"
#include "store/durable_store.h"
#include "store/engagement_history.h"
#include "store/handle_index.h"
#include "store/post_catalog.h"
#include "store/social_graph.h"

namespace feedrank::store {

struct FeedState {
  absl::flat_hash_map<UserId, User> users;
  HandleIndex handles;  // users by handle
  SocialGraph graph;
  PostCatalog posts;
  EngagementHistory engagements;
  Sequence last_sequence = 0;  // the highest applied; the next post or engagement gets one more

  void apply(StoreMutation mutation);
};

}  // namespace feedrank::store
