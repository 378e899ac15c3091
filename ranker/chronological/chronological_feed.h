// The "social network" feed: posts of the accounts the viewer follows plus the viewer's own,
// newest first, ties by the larger post id, every post with the same score. Nothing is
// reordered or dropped except posts the viewer may not see.
#pragma once

#include <optional>

#include "absl/container/flat_hash_set.h"
#include "ranker/feed_types.h"
#include "store/feed_state.h"

namespace feedrank::ranker {

// One page starting strictly below `below` (the first page when empty). `next_cursor` of the
// result is left empty; the caller encodes `last_shown` when `more` is true.
struct ChronologicalPage {
  std::vector<FeedItem> items;
  bool more = false;
  store::TimelineEntry last_shown;
};

// `skip_authors`: accounts whose posts are passed over (an interleaved list's muted authors).
ChronologicalPage chronological_page(const store::FeedState& state, UserId viewer, int limit,
                                     std::optional<store::TimelineEntry> below,
                                     const absl::flat_hash_set<UserId>& skip_authors = {});

}  // namespace feedrank::ranker
