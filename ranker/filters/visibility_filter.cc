#include "ranker/filters/visibility_filter.h"

namespace feedrank::ranker {

bool viewer_may_see(const store::FeedState& state, UserId viewer, UserId author,
                    Visibility visibility) {
  if (visibility == Visibility::kPublic || author == viewer) return true;
  return state.graph.follows(viewer, author);
}

}  // namespace feedrank::ranker
