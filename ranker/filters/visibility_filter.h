// Who may see a post: PUBLIC posts anyone; FOLLOWERS posts only the author and the accounts
// following the author. Data: the post's visibility and the follow graph.
#pragma once

#include "store/feed_state.h"

namespace feedrank::ranker {

bool viewer_may_see(const store::FeedState& state, UserId viewer, UserId author,
                    Visibility visibility);
inline bool viewer_may_see(const store::FeedState& state, UserId viewer, const Post& post) {
  return viewer_may_see(state, viewer, post.author, post.visibility);
}

}  // namespace feedrank::ranker
