#include "tools/simulate/history_loader.h"

#include "fmt/format.h"
#include "tools/simulate/server_writes.h"

namespace feedrank::simulate {
namespace {

v1::IngestRecord user_record(std::uint64_t id, std::string handle, std::int64_t created_at_ms) {
  v1::IngestRecord record;
  v1::User& user = *record.mutable_user();
  user.set_id(id);
  user.set_handle(std::move(handle));
  user.set_created_at_ms(created_at_ms);
  return record;
}

v1::IngestRecord follow_record(std::uint64_t follower, std::uint64_t followee,
                               std::int64_t created_at_ms) {
  v1::IngestRecord record;
  v1::FollowEdge& edge = *record.mutable_follow();
  edge.set_follower_id(follower);
  edge.set_followee_id(followee);
  edge.set_created_at_ms(created_at_ms);
  return record;
}

void add_history(const World& world, cli::IngestUploader& uploader) {
  const WorldOptions& options = world.options();
  const std::int64_t joined_ms = world.users_created_at_ms();
  for (std::size_t viewer = 0; viewer < options.viewers; ++viewer) {
    uploader.add(
        user_record(world.viewer_id(viewer), fmt::format("sim-viewer-{}", viewer), joined_ms));
  }
  for (std::size_t author = 0; author < options.authors; ++author) {
    uploader.add(user_record(
        world.author_id(author),
        fmt::format("sim-{}-{}", world.topic_name(world.author_topic(author)), author), joined_ms));
  }
  for (std::size_t viewer = 0; viewer < options.viewers; ++viewer) {
    for (const std::uint32_t author : world.followees(viewer)) {
      uploader.add(follow_record(world.viewer_id(viewer), world.author_id(author),
                                 world.follows_created_at_ms()));
    }
  }
  for (const SimulatedPost& post : world.posts()) uploader.add(post_record(post));
  for (const SimulatedLike& like : world.history_likes()) uploader.add(like_record(like));
}

}  // namespace

absl::StatusOr<v1::IngestResponse> load_history(const World& world, const std::string& target,
                                                const std::shared_ptr<grpc::Channel>& channel) {
  return ingest(target, channel,
                [&](cli::IngestUploader& uploader) { add_history(world, uploader); });
}

}  // namespace feedrank::simulate
