#include "tools/replay/list_builder.h"

namespace feedrank::replay {

bool keeps(const PreCutState& state, UserId viewer, PostId post) {
  const PostFacts* facts = state.live_post(post);  // only posts created before the cut are known
  return facts != nullptr && facts->created_at < state.cut && facts->author != viewer &&
         state.can_see(viewer, *facts) && !state.engaged_before(viewer, post);
}

ListBuilder::ListBuilder(const PreCutState& state, UserId viewer, int k)
    : state_(state), viewer_(viewer), k_(k) {}

void ListBuilder::offer(PostId post) {
  if (full() || !keeps(state_, viewer_, post) || !in_list_.insert(post).second) return;
  list_.push_back(post);
}

}  // namespace feedrank::replay
