#include "tools/fit/store_records.h"

#include <algorithm>
#include <tuple>

#include "fmt/format.h"
#include "store/durable_store.h"

namespace feedrank::fit {
namespace {

// Collects what the store replays; the order is fixed afterwards.
class CollectingVisitor : public store::StoreVisitor {
 public:
  void on_checkpoint(store::Sequence) override {}
  void on_user(User user) override { users.push_back(std::move(user)); }
  void on_post(store::StoredPost post) override { posts.push_back(std::move(post)); }
  void on_follow(const Follow& follow) override { follows.push_back(follow); }
  void on_engagement(const store::StoredEngagement& stored) override {
    engagements.push_back(stored.engagement);
  }
  void on_user_state(UserId, store::Sequence, std::string) override {}  // derived, not data

  std::vector<User> users;
  std::vector<store::StoredPost> posts;
  std::vector<Follow> follows;
  std::vector<Engagement> engagements;
};

v1::IngestRecord user_record(const User& user) {
  v1::IngestRecord record;
  v1::User* out = record.mutable_user();
  out->set_id(user.id);
  out->set_handle(user.handle);
  out->set_created_at_ms(user.created_at);
  return record;
}

v1::IngestRecord post_record(const store::StoredPost& stored) {
  v1::IngestRecord record;
  v1::Post* out = record.mutable_post();
  out->set_id(stored.post.id);
  out->set_author_id(stored.post.author);
  out->set_text(stored.deleted ? kDeletedPostText : stored.post.text);
  out->set_created_at_ms(stored.post.created_at);
  out->set_visibility(stored.post.visibility == Visibility::kFollowers ? v1::VISIBILITY_FOLLOWERS
                                                                       : v1::VISIBILITY_PUBLIC);
  return record;
}

v1::IngestRecord follow_record(const Follow& follow) {
  v1::IngestRecord record;
  v1::FollowEdge* out = record.mutable_follow();
  out->set_follower_id(follow.follower);
  out->set_followee_id(follow.followee);
  out->set_created_at_ms(follow.created_at);
  return record;
}

v1::IngestRecord engagement_record(const Engagement& engagement) {
  v1::IngestRecord record;
  v1::Engagement* out = record.mutable_engagement();
  out->set_user_id(engagement.user);
  out->set_post_id(engagement.post);
  // The API's kinds are the store's shifted by one (0 is UNSPECIFIED there).
  out->set_kind(static_cast<v1::EngagementKind>(static_cast<int>(engagement.kind) + 1));
  out->set_at_ms(engagement.at);
  return record;
}

}  // namespace

absl::StatusOr<replay::LoadedRecords> read_store_records(const std::filesystem::path& data_dir) {
  // Checked first: opening would create an empty store where a path was mistyped.
  if (!std::filesystem::is_directory(data_dir)) {
    return absl::NotFoundError(fmt::format("no data directory {}", data_dir.string()));
  }
  CollectingVisitor visitor;
  {
    auto durable = store::open_rocksdb_store(data_dir.string());
    if (!durable.ok()) return durable.status();
    if (auto status = (*durable)->replay(visitor); !status.ok()) return status;
  }  // closed here: a server may open the directory again

  std::stable_sort(visitor.posts.begin(), visitor.posts.end(), [](const auto& a, const auto& b) {
    return std::tie(a.post.created_at, a.post.id) < std::tie(b.post.created_at, b.post.id);
  });
  std::stable_sort(visitor.engagements.begin(), visitor.engagements.end(),
                   [](const Engagement& a, const Engagement& b) {
                     return std::tie(a.at, a.user, a.post, a.kind) <
                            std::tie(b.at, b.user, b.post, b.kind);
                   });
  replay::LoadedRecords loaded;
  loaded.undated = replay::UndatedRecords::kBeforeAnyCut;  // the deletes, read last, have no time
  auto& records = loaded.records;
  for (const User& user : visitor.users) records.push_back(user_record(user));
  for (const auto& post : visitor.posts) records.push_back(post_record(post));
  for (const Follow& follow : visitor.follows) records.push_back(follow_record(follow));
  for (const Engagement& engagement : visitor.engagements) {
    records.push_back(engagement_record(engagement));
  }
  // Last: an engagement with a post may only be written while the post is live.
  std::size_t deleted = 0;
  for (const auto& post : visitor.posts) {
    if (!post.deleted) continue;
    records.emplace_back().set_delete_post_id(post.post.id);
    ++deleted;
  }
  // A store keeps no delete times and no undone follows: both read as older than any cut.
  loaded.description = fmt::format(
      "store in {} ({} users, {} posts of which {} deleted; today's state: every delete counts "
      "as before the cut and follows undone since are not in it)",
      data_dir.string(), visitor.users.size(), visitor.posts.size(), deleted);
  return loaded;
}

}  // namespace feedrank::fit
