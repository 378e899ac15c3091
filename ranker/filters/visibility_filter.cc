#include "ranker/filters/visibility_filter.h"

namespace feedrank::ranker {

bool viewer_may_see(const store::FeedState& state, UserId viewer, const Post& post) {
  if (post.visibility == Visibility::kPublic || post.author == viewer) return true;
  return state.graph.follows(viewer, post.author);
}

}  // namespace feedrank::ranker
