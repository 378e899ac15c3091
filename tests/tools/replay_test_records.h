// Builders of IngestRecords for the replay's tests on tiny handcrafted data sets.
#pragma once

#include <cstdint>
#include <vector>

#include "feedrank/v1/feedrank.pb.h"

namespace feedrank::replay::testing {

inline v1::IngestRecord user(std::uint64_t id, std::int64_t created_at) {
  v1::IngestRecord record;
  record.mutable_user()->set_id(id);
  record.mutable_user()->set_handle("u" + std::to_string(id));
  record.mutable_user()->set_created_at_ms(created_at);
  return record;
}

inline v1::IngestRecord follow(std::uint64_t follower, std::uint64_t followee,
                               std::int64_t at = 1) {
  v1::IngestRecord record;
  record.mutable_follow()->set_follower_id(follower);
  record.mutable_follow()->set_followee_id(followee);
  record.mutable_follow()->set_created_at_ms(at);
  return record;
}

// `created_at` 0: undated (the field is optional for an unfollow).
inline v1::IngestRecord unfollow(std::uint64_t follower, std::uint64_t followee,
                                 std::int64_t created_at = 0) {
  v1::IngestRecord record;
  record.mutable_unfollow()->set_follower_id(follower);
  record.mutable_unfollow()->set_followee_id(followee);
  record.mutable_unfollow()->set_created_at_ms(created_at);
  return record;
}

inline v1::IngestRecord post(std::uint64_t id, std::uint64_t author, std::int64_t created_at,
                             bool followers_only = false) {
  v1::IngestRecord record;
  v1::Post* out = record.mutable_post();
  out->set_id(id);
  out->set_author_id(author);
  out->set_text("post " + std::to_string(id));
  out->set_created_at_ms(created_at);
  out->set_visibility(followers_only ? v1::VISIBILITY_FOLLOWERS : v1::VISIBILITY_PUBLIC);
  return record;
}

inline v1::IngestRecord engage(std::uint64_t user, std::uint64_t post, std::int64_t at,
                               v1::EngagementKind kind = v1::ENGAGEMENT_KIND_LIKE) {
  v1::IngestRecord record;
  v1::Engagement* out = record.mutable_engagement();
  out->set_user_id(user);
  out->set_post_id(post);
  out->set_kind(kind);
  out->set_at_ms(at);
  return record;
}

inline v1::IngestRecord delete_post(std::uint64_t post) {
  v1::IngestRecord record;
  record.set_delete_post_id(post);
  return record;
}

}  // namespace feedrank::replay::testing
