// FeedEngine's read-only lookups: a user (by id or handle) and a post, from one store snapshot.
#include <algorithm>

#include "fmt/format.h"
#include "ranker/feed_engine.h"
#include "ranker/filters/visibility_filter.h"

namespace feedrank::ranker {
namespace {

UserProfile profile_of(const store::FeedState& state, const User& user) {
  UserProfile profile;
  profile.user = user;
  profile.followers = state.graph.follower_count(user.id);
  profile.followees = state.graph.followees(user.id).size();
  profile.posts = state.posts.timeline(user.id).size();
  const std::span<const UserId> same = state.handles.users(user.handle);
  profile.same_handle.assign(same.begin(), same.end());
  return profile;
}

}  // namespace

absl::StatusOr<UserProfile> FeedEngine::user(UserId id) const {
  const ReadView corpus = request_view();
  const store::FeedState& state = corpus.state();
  const auto found = state.users.find(id);
  if (found == state.users.end()) {
    return absl::NotFoundError(fmt::format("user_id: user {} not found", id));
  }
  return profile_of(state, found->second);
}

absl::StatusOr<UserProfile> FeedEngine::user_by_handle(std::string_view handle) const {
  const ReadView corpus = request_view();
  const store::FeedState& state = corpus.state();
  const std::span<const UserId> ids = state.handles.users(handle);
  if (ids.empty()) {
    return absl::NotFoundError(fmt::format("handle: no user has the handle '{}'", handle));
  }
  return profile_of(state, state.users.at(ids.front()));
}

absl::StatusOr<PostDetails> FeedEngine::post(PostId id, UserId viewer) const {
  const ReadView corpus = request_view();
  const store::FeedState& state = corpus.state();
  if (viewer != 0 && !state.users.contains(viewer)) {
    return absl::NotFoundError(fmt::format("viewer_id: user {} not found", viewer));
  }
  const store::PostView* view = state.posts.find(id);
  // A post the viewer may not see is not found: its existence is not theirs to learn.
  if (view == nullptr || view->deleted || !viewer_may_see(state, viewer, *view)) {
    return absl::NotFoundError(fmt::format("post_id: post {} not found", id));
  }
  PostDetails details;
  details.post = view->to_post();
  std::copy(view->engagement_counts.begin(), view->engagement_counts.end(),
            details.engagements.begin());
  return details;
}

}  // namespace feedrank::ranker
