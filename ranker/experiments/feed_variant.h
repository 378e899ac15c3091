// What a viewer is served: a feed mode and, for the algorithmic feed, the ranking config that
// scores it. An experiment arm names one; a request outside every experiment gets the variant
// its mode asks for, on the server's ranking config.
#pragma once

#include <array>
#include <memory>

#include "ranker/feed_types.h"
#include "ranker/scoring/ranking_config.h"

namespace feedrank::ranker {

// ListVariant (one list of an interleaved feed) is in feed_types.h, beside FeedRequest.

struct FeedVariant {
  FeedMode mode = FeedMode::kChronological;
  std::shared_ptr<const RankingConfig> ranking;  // kAlgorithmic; null: the server's config
  // kInterleaved: team A's and team B's lists (team-draft interleaving, team_draft.h).
  std::array<ListVariant, 2> teams{ListVariant{FeedMode::kChronological, nullptr},
                                   ListVariant{FeedMode::kAlgorithmic, nullptr}};
};

}  // namespace feedrank::ranker
