// Who may see a post: PUBLIC posts anyone; FOLLOWERS posts only the author and the accounts
// following the author. Data: the post's visibility and the follow graph.
#pragma once

#include "store/feed_state.h"

namespace feedrank::ranker {

bool viewer_may_see(const store::FeedState& state, UserId viewer, UserId author,
                    Visibility visibility);
// A Post or a store::PostView.
template <class PostLike>
bool viewer_may_see(const store::FeedState& state, UserId viewer, const PostLike& post) {
  return viewer_may_see(state, viewer, post.author, post.visibility);
}

}  // namespace feedrank::ranker
