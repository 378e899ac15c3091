#include "api/feed_conversion.h"

#include "api/field_checks.h"
#include "fmt/format.h"

namespace feedrank::api {
namespace {

v1::CandidateSource to_proto(ranker::CandidateSource source) {
  switch (source) {
    case ranker::CandidateSource::kSelf:
      return v1::CANDIDATE_SOURCE_SELF;
    case ranker::CandidateSource::kFollowing:
      return v1::CANDIDATE_SOURCE_FOLLOWING;
    case ranker::CandidateSource::kOutOfNetwork:
      return v1::CANDIDATE_SOURCE_OUT_OF_NETWORK;
  }
  return v1::CANDIDATE_SOURCE_UNSPECIFIED;
}

}  // namespace

absl::StatusOr<ranker::FeedRequest> to_feed_request(const v1::GetFeedRequest& request) {
  if (auto status = check_id("user_id", request.user_id()); !status.ok()) return status;
  ranker::FeedRequest out;
  out.viewer = request.user_id();
  switch (request.mode()) {
    case v1::FEED_MODE_UNSPECIFIED:
    case v1::FEED_MODE_CHRONOLOGICAL:
      out.mode = ranker::FeedMode::kChronological;
      break;
    case v1::FEED_MODE_ALGORITHMIC:
      out.mode = ranker::FeedMode::kAlgorithmic;
      break;
    default:
      return invalid("mode", fmt::format("unknown value {}", static_cast<int>(request.mode())));
  }
  if (request.limit() < 0 || request.limit() > ranker::kMaxPageSize) {
    return invalid("limit",
                   fmt::format("must be 1..{} (0 for the default {}), got {}", ranker::kMaxPageSize,
                               ranker::kDefaultPageSize, request.limit()));
  }
  out.limit = request.limit() == 0 ? ranker::kDefaultPageSize : request.limit();
  out.cursor = request.cursor();
  return out;
}

void to_proto(ranker::FeedPage&& page, v1::GetFeedResponse& response) {
  response.mutable_items()->Reserve(static_cast<int>(page.items.size()));
  for (auto& item : page.items) {
    auto* out = response.add_items();
    out->set_post_id(item.post);
    out->set_author_id(item.author);
    out->set_created_at_ms(item.created_at);
    out->set_text(std::move(item.text));
    out->set_score(item.score);
    out->set_source(to_proto(item.source));
  }
  response.set_next_cursor(std::move(page.next_cursor));
}

void to_proto(const ranker::EngineCounts& counts, v1::GetStatsResponse& response) {
  response.set_users(counts.store.users);
  response.set_posts(counts.store.posts);
  response.set_follows(counts.store.follows);
  response.set_engagements(counts.store.engagements);
  response.set_embedded_posts(counts.embedded_posts);
  response.set_users_with_vectors(counts.users_with_vectors);
  response.set_embedding_dimension(static_cast<std::uint32_t>(counts.embedding_dimension));
}

void to_proto(const store::WriteSummary& summary, v1::IngestResponse& response) {
  response.set_users(summary.users_created + summary.users_updated);
  response.set_posts(summary.posts_created);
  response.set_follows(summary.follows_created);
  response.set_unfollows(summary.follows_removed);
  response.set_deleted_posts(summary.posts_deleted);
  response.set_engagements(summary.engagements_recorded);
  response.set_unchanged(summary.unchanged);
}

}  // namespace feedrank::api
