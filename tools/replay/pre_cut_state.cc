#include "tools/replay/pre_cut_state.h"

#include <algorithm>

namespace feedrank::replay {

const PostFacts* PreCutState::live_post(PostId post) const {
  const auto it = posts.find(post);
  return it == posts.end() || it->second.deleted ? nullptr : &it->second;
}

bool PreCutState::follows(UserId follower, UserId followee) const {
  const auto it = followees.find(follower);
  return it != followees.end() && it->second.contains(followee);
}

bool PreCutState::engaged_before(UserId user, PostId post) const {
  const auto it = engaged.find(user);
  return it != engaged.end() && it->second.contains(post);
}

bool PreCutState::can_see(UserId viewer, const PostFacts& post) const {
  return post.visibility == Visibility::kPublic || post.author == viewer ||
         follows(viewer, post.author);
}

std::vector<PostId> PreCutState::live_posts() const {
  std::vector<PostId> ids;
  for (const auto& [id, facts] : posts) {
    if (!facts.deleted) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace feedrank::replay
