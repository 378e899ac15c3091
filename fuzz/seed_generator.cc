// Writes the seeds that need the real encoders (feed cursors, wire-format requests, the default
// ranking config) into fuzz/corpus/<target>/. Run once after a format change:
//   build-fuzz/fuzz/fuzz_seed_generator fuzz/corpus
// The hand-written seeds (JSON configs and lines, broken inputs) sit beside them.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "feedrank/v1/feedrank.pb.h"
#include "ranker/feed_cursor.h"
#include "ranker/scoring/ranking_config.h"

namespace {

namespace fs = std::filesystem;
namespace v1 = feedrank::v1;
using feedrank::ranker::FeedCursor;
using feedrank::ranker::FeedMode;

void write(const fs::path& dir, std::string_view name, std::string_view bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

void write_cursors(const fs::path& dir) {
  FeedCursor chronological;
  chronological.viewer = 7;
  chronological.last_shown = {1'700'000'000'000, 42};
  chronological.shown = 50;
  write(dir, "chronological", feedrank::ranker::encode_cursor(chronological));
  FeedCursor ranked;
  ranked.viewer = 7;
  ranked.mode = FeedMode::kAlgorithmic;
  ranked.ranked_list = 0x1234'5678'9abc'def0;
  ranked.offset = 100;
  ranked.shown = 100;
  ranked.arm_tag = 3;
  write(dir, "algorithmic", feedrank::ranker::encode_cursor(ranked));
  ranked.mode = FeedMode::kInterleaved;
  const std::string interleaved = feedrank::ranker::encode_cursor(ranked);
  write(dir, "interleaved", interleaved);
  write(dir, "truncated", interleaved.substr(0, interleaved.size() / 2));
  std::string corrupted = interleaved;
  corrupted[5] = corrupted[5] == 'A' ? 'B' : 'A';
  write(dir, "bad-checksum", corrupted);
}

// A request seed: the fuzz target's selector byte, then the message's wire bytes.
void write_request(const fs::path& dir, std::string_view name, char selector,
                   const google::protobuf::Message& message) {
  write(dir, name, std::string(1, selector) + message.SerializeAsString());
}

void add_post(v1::Post& post, std::uint64_t id, std::string_view text, int dimension) {
  post.set_id(id);
  post.set_author_id(1);
  post.set_text(std::string(text));
  post.set_created_at_ms(1'700'000'000'000);
  post.set_visibility(v1::VISIBILITY_FOLLOWERS);
  for (int i = 0; i < dimension; ++i) post.add_embedding(i % 3 == 0 ? 0.5f : -0.25f);
}

void write_requests(const fs::path& dir) {
  v1::UpsertUsersRequest users;
  auto* user = users.add_users();
  user->set_id(1);
  user->set_handle("ada");
  user->set_created_at_ms(1'600'000'000'000);
  write_request(dir, "upsert-users", 0, users);
  v1::CreatePostsRequest posts;
  add_post(*posts.add_posts(), 10, "hello #world", 0);
  add_post(*posts.add_posts(), 11, "with a vector", 128);
  write_request(dir, "create-posts", 1, posts);
  v1::CreatePostsRequest bad_posts;
  add_post(*bad_posts.add_posts(), 12, "", 3);  // a vector of the wrong size (no text is allowed)
  write_request(dir, "create-posts-bad", 1, bad_posts);
  v1::DeletePostsRequest deletes;
  deletes.add_post_ids(10);
  deletes.add_post_ids(0);
  write_request(dir, "delete-posts", 2, deletes);
  v1::FollowRequest follows;
  auto* edge = follows.add_edges();
  edge->set_follower_id(1);
  edge->set_followee_id(2);
  edge->set_created_at_ms(1'700'000'000'000);
  write_request(dir, "follow", 3, follows);
  v1::UnfollowRequest unfollows;
  *unfollows.add_edges() = *edge;
  write_request(dir, "unfollow", 4, unfollows);
  v1::RecordEngagementsRequest engagements;
  auto* engagement = engagements.add_engagements();
  engagement->set_user_id(2);
  engagement->set_post_id(10);
  engagement->set_kind(v1::ENGAGEMENT_KIND_LIKE);
  engagement->set_at_ms(1'700'000'000'500);
  write_request(dir, "record-engagements", 5, engagements);
  v1::IngestRequest ingest;
  *ingest.add_records()->mutable_user() = *user;
  add_post(*ingest.add_records()->mutable_post(), 13, "ingested", 0);
  *ingest.add_records()->mutable_follow() = *edge;
  *ingest.add_records()->mutable_unfollow() = *edge;
  ingest.add_records()->set_delete_post_id(13);
  *ingest.add_records()->mutable_engagement() = *engagement;
  write_request(dir, "ingest", 6, ingest);
  v1::GetFeedRequest feed;
  feed.set_user_id(7);
  feed.set_mode(v1::FEED_MODE_ALGORITHMIC);
  feed.set_limit(20);
  FeedCursor cursor;
  cursor.viewer = 7;
  cursor.mode = FeedMode::kAlgorithmic;
  cursor.ranked_list = 99;
  cursor.offset = 20;
  feed.set_cursor(feedrank::ranker::encode_cursor(cursor));
  feed.add_muted_author_ids(3);
  feed.set_explain(true);
  write_request(dir, "get-feed", 7, feed);
  v1::GetNearestPostsRequest nearest;
  for (int i = 0; i < 128; ++i) nearest.add_embedding(i == 0 ? 1.0f : 0.0f);
  nearest.set_k(5);
  write_request(dir, "get-nearest-posts", 8, nearest);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR (fuzz/corpus)\n", argv[0]);
    return 2;
  }
  const fs::path corpus = argv[1];
  write_cursors(corpus / "feed_cursor");
  write_requests(corpus / "request_validation");
  write(corpus / "ranking_config", "default.json",
        feedrank::ranker::to_json(feedrank::ranker::default_ranking_config()));
  return 0;
}
