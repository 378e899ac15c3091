#include "tools/simulate/round_driver.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/stopwatch.h"
#include "fmt/format.h"
#include "tools/cli/grpc_client.h"
#include "tools/simulate/server_writes.h"

namespace feedrank::simulate {

// What one viewer did in a round.
struct RoundDriver::ViewerRound {
  std::uint64_t items = 0;
  std::vector<SimulatedLike> feed_likes;
  std::optional<SimulatedLike> organic_like;
  std::string experiment;
  std::string arm;
};

RoundDriver::RoundDriver(std::string target, std::shared_ptr<grpc::Channel> channel, World& world,
                         LikedPosts& liked, RoundOptions options)
    : target_(std::move(target)),
      channel_(std::move(channel)),
      stub_(v1::FeedRank::NewStub(channel_)),
      world_(world),
      liked_(liked),
      options_(options) {}

absl::StatusOr<RoundDriver::ViewerRound> RoundDriver::serve_viewer(std::uint64_t round,
                                                                   std::int64_t as_of_ms,
                                                                   std::size_t viewer) {
  v1::GetFeedRequest request;
  request.set_user_id(world_.viewer_id(viewer));
  // The arm's variant replaces it for viewers in an experiment.
  request.set_mode(v1::FEED_MODE_CHRONOLOGICAL);
  request.set_limit(static_cast<std::int32_t>(options_.page_size));
  request.set_as_of_ms(as_of_ms);
  grpc::ClientContext context;
  cli::set_deadline(context, cli::kUnaryDeadline);
  v1::GetFeedResponse response;
  const grpc::Status status = stub_->GetFeed(&context, request, &response);
  if (!status.ok()) return rpc_error(fmt::format("GetFeed user_id {}", request.user_id()), status);

  std::vector<std::uint64_t> post_ids;
  post_ids.reserve(response.items_size());
  for (const v1::FeedItem& item : response.items()) post_ids.push_back(item.post_id());
  const std::uint64_t seed = world_.options().seed;
  auto feed_random = SimulationRandom::stream(seed, RandomPurpose::kFeedLikes, round, viewer);
  auto organic_random = SimulationRandom::stream(seed, RandomPurpose::kOrganicLikes, round, viewer);
  ViewerRound outcome;
  outcome.items = post_ids.size();
  outcome.feed_likes =
      like_page(world_, options_.engagement, viewer, post_ids, as_of_ms, liked_, feed_random);
  outcome.organic_like =
      like_organically(world_, options_.engagement, viewer, as_of_ms, liked_, organic_random);
  outcome.experiment = response.experiment();
  outcome.arm = response.arm();
  return outcome;
}

absl::Status RoundDriver::serve_all(std::uint64_t round, std::int64_t as_of_ms,
                                    std::vector<ViewerRound>& outcomes) {
  std::atomic<std::size_t> next_viewer{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  absl::Status first_error;
  const auto caller = [&] {
    while (!failed.load()) {
      const std::size_t viewer = next_viewer.fetch_add(1);
      if (viewer >= outcomes.size()) return;
      auto outcome = serve_viewer(round, as_of_ms, viewer);
      if (!outcome.ok()) {
        std::lock_guard lock(error_mutex);
        if (first_error.ok()) first_error = outcome.status();
        failed = true;
        return;
      }
      outcomes[viewer] = std::move(*outcome);
    }
  };
  {
    std::vector<std::jthread> callers;
    const std::size_t count = std::clamp<std::size_t>(options_.concurrency, 1, outcomes.size());
    for (std::size_t i = 0; i < count; ++i) callers.emplace_back(caller);
  }  // joined here
  return first_error;
}

absl::StatusOr<RoundStats> RoundDriver::run(std::uint64_t round, std::int64_t from_ms,
                                            std::int64_t to_ms) {
  const Stopwatch stopwatch;
  RoundStats stats;
  stats.round = round;
  stats.from_ms = from_ms;
  stats.served_at_ms = to_ms;

  const std::span<const SimulatedPost> posts = world_.publish(from_ms, to_ms, round);
  stats.posts = posts.size();
  auto sent = ingest(target_, channel_, [&](cli::IngestUploader& uploader) {
    for (const SimulatedPost& post : posts) uploader.add(post_record(post));
  });
  if (!sent.ok()) return sent.status();

  std::vector<ViewerRound> outcomes(world_.options().viewers);
  if (absl::Status served = serve_all(round, to_ms, outcomes); !served.ok()) return served;

  std::vector<SimulatedLike> likes;
  for (const ViewerRound& outcome : outcomes) {
    ++stats.pages;
    stats.items += outcome.items;
    stats.feed_likes += outcome.feed_likes.size();
    likes.insert(likes.end(), outcome.feed_likes.begin(), outcome.feed_likes.end());
    if (outcome.organic_like) {
      ++stats.organic_likes;
      likes.push_back(*outcome.organic_like);
    }
    if (outcome.experiment.empty()) {
      ++stats.viewers_by_arm[""];
    } else {
      ++stats.viewers_by_arm[outcome.experiment + "/" + outcome.arm];
      experiments_.insert(outcome.experiment);
    }
  }
  if (absl::Status recorded = record_likes(*stub_, likes); !recorded.ok()) return recorded;
  stats.seconds = stopwatch.seconds();
  return stats;
}

}  // namespace feedrank::simulate
