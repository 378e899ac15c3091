#include "tests/api/test_records.h"

namespace feedrank::api_test {

v1::User user(std::uint64_t id) {
  v1::User out;
  out.set_id(id);
  out.set_handle("user" + std::to_string(id));
  out.set_created_at_ms(1);
  return out;
}

v1::Post post(std::uint64_t id, std::uint64_t author, std::int64_t created_at_ms,
              v1::Visibility visibility) {
  v1::Post out;
  out.set_id(id);
  out.set_author_id(author);
  out.set_text(post_text(id));
  out.set_created_at_ms(created_at_ms);
  out.set_visibility(visibility);
  return out;
}

std::string post_text(std::uint64_t id) { return "post " + std::to_string(id) + " #feedrank"; }

v1::FollowEdge edge(std::uint64_t follower, std::uint64_t followee) {
  v1::FollowEdge out;
  out.set_follower_id(follower);
  out.set_followee_id(followee);
  out.set_created_at_ms(1);
  return out;
}

v1::Engagement engagement(std::uint64_t user_id, std::uint64_t post_id, v1::EngagementKind kind,
                          std::int64_t at_ms) {
  v1::Engagement out;
  out.set_user_id(user_id);
  out.set_post_id(post_id);
  out.set_kind(kind);
  out.set_at_ms(at_ms);
  return out;
}

v1::IngestRecord user_record(std::uint64_t id) {
  v1::IngestRecord out;
  *out.mutable_user() = user(id);
  return out;
}

v1::IngestRecord post_record(const v1::Post& post) {
  v1::IngestRecord out;
  *out.mutable_post() = post;
  return out;
}

v1::IngestRecord follow_record(std::uint64_t follower, std::uint64_t followee) {
  v1::IngestRecord out;
  *out.mutable_follow() = edge(follower, followee);
  return out;
}

v1::IngestRecord unfollow_record(std::uint64_t follower, std::uint64_t followee) {
  v1::IngestRecord out;
  *out.mutable_unfollow() = edge(follower, followee);
  return out;
}

v1::IngestRecord delete_record(std::uint64_t post_id) {
  v1::IngestRecord out;
  out.set_delete_post_id(post_id);
  return out;
}

v1::IngestRecord engagement_record(const v1::Engagement& engagement) {
  v1::IngestRecord out;
  *out.mutable_engagement() = engagement;
  return out;
}

v1::IngestRequest chunk(std::vector<v1::IngestRecord> records) {
  v1::IngestRequest out;
  for (auto& record : records) *out.add_records() = std::move(record);
  return out;
}

std::vector<std::uint64_t> post_ids(const std::vector<v1::FeedItem>& items) {
  std::vector<std::uint64_t> ids;
  ids.reserve(items.size());
  for (const auto& item : items) ids.push_back(item.post_id());
  return ids;
}

std::vector<std::uint64_t> post_ids(const v1::GetFeedResponse& page) {
  return post_ids(std::vector<v1::FeedItem>(page.items().begin(), page.items().end()));
}

std::string text_of(const google::protobuf::Message& message) { return message.ShortDebugString(); }

std::string stored_stats_of(v1::GetStatsResponse stats) {
  stats.clear_index_lag();
  stats.clear_background_indexed_rows();
  stats.clear_background_indexing_seconds();
  stats.clear_background_indexing_yielded_seconds();
  const std::uint64_t last_record = stats.checkpoints().last_record();
  stats.clear_checkpoints();  // saves since start, and one at a clean stop
  stats.mutable_checkpoints()->set_last_record(last_record);
  if (stats.has_learned()) stats.mutable_learned()->clear_index_lag();
  return text_of(stats);
}

}  // namespace feedrank::api_test
