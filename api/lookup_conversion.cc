#include "api/lookup_conversion.h"

namespace feedrank::api {

void to_proto(const ranker::UserProfile& profile, v1::GetUserResponse& response) {
  v1::User& user = *response.mutable_user();
  user.set_id(profile.user.id);
  user.set_handle(profile.user.handle);
  user.set_created_at_ms(profile.user.created_at);
  response.set_followers(profile.followers);
  response.set_followees(profile.followees);
  response.set_posts(profile.posts);
  for (const UserId id : profile.same_handle) response.add_same_handle_ids(id);
}

void to_proto(const ranker::PostDetails& details, v1::GetPostResponse& response) {
  v1::Post& post = *response.mutable_post();
  post.set_id(details.post.id);
  post.set_author_id(details.post.author);
  post.set_text(details.post.text);
  post.set_created_at_ms(details.post.created_at);
  post.set_visibility(details.post.visibility == Visibility::kFollowers ? v1::VISIBILITY_FOLLOWERS
                                                                        : v1::VISIBILITY_PUBLIC);
  for (const std::string& tag : details.post.hashtags) response.add_hashtags(tag);
  const auto& counts = details.engagements;
  response.set_views(counts[static_cast<int>(EngagementKind::kView)]);
  response.set_likes(counts[static_cast<int>(EngagementKind::kLike)]);
  response.set_comments(counts[static_cast<int>(EngagementKind::kComment)]);
  response.set_shares(counts[static_cast<int>(EngagementKind::kShare)]);
}

}  // namespace feedrank::api
