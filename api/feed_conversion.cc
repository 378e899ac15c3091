#include "api/feed_conversion.h"

#include <algorithm>

#include "api/field_checks.h"
#include "kernels/vector_index.h"
#include "fmt/format.h"

namespace feedrank::api {
namespace {

constexpr int kDefaultNearestPosts = 10;
constexpr int kMaxMutedAuthors = 1000;

v1::CandidateSource to_proto(ranker::CandidateSource source) {
  switch (source) {
    case ranker::CandidateSource::kSelf:
      return v1::CANDIDATE_SOURCE_SELF;
    case ranker::CandidateSource::kFollowing:
      return v1::CANDIDATE_SOURCE_FOLLOWING;
    case ranker::CandidateSource::kOutOfNetwork:
      return v1::CANDIDATE_SOURCE_OUT_OF_NETWORK;
    case ranker::CandidateSource::kNetworkEngagement:
      return v1::CANDIDATE_SOURCE_NETWORK_ENGAGEMENT;
    case ranker::CandidateSource::kPopular:
      return v1::CANDIDATE_SOURCE_POPULAR;
    case ranker::CandidateSource::kCollaborative:
      return v1::CANDIDATE_SOURCE_COLLABORATIVE;
  }
  return v1::CANDIDATE_SOURCE_UNSPECIFIED;
}

v1::FeedMode to_proto(ranker::FeedMode mode) {
  switch (mode) {
    case ranker::FeedMode::kChronological:
      return v1::FEED_MODE_CHRONOLOGICAL;
    case ranker::FeedMode::kAlgorithmic:
      return v1::FEED_MODE_ALGORITHMIC;
    case ranker::FeedMode::kInterleaved:
      return v1::FEED_MODE_INTERLEAVED;
  }
  return v1::FEED_MODE_UNSPECIFIED;
}

}  // namespace

absl::StatusOr<ranker::FeedMode> to_feed_mode(v1::FeedMode mode) {
  switch (mode) {
    case v1::FEED_MODE_UNSPECIFIED:
    case v1::FEED_MODE_CHRONOLOGICAL:
      return ranker::FeedMode::kChronological;
    case v1::FEED_MODE_ALGORITHMIC:
      return ranker::FeedMode::kAlgorithmic;
    case v1::FEED_MODE_INTERLEAVED:
      return ranker::FeedMode::kInterleaved;
    default:
      return invalid("mode", fmt::format("unknown value {}", static_cast<int>(mode)));
  }
}

absl::StatusOr<ranker::FeedRequest> to_feed_request(const v1::GetFeedRequest& request) {
  if (auto status = check_id("user_id", request.user_id()); !status.ok()) return status;
  ranker::FeedRequest out;
  out.viewer = request.user_id();
  auto mode = to_feed_mode(request.mode());
  if (!mode.ok()) return mode.status();
  out.mode = *mode;
  if (request.limit() < 0 || request.limit() > ranker::kMaxPageSize) {
    return invalid("limit",
                   fmt::format("must be 1..{} (0 for the default {}), got {}", ranker::kMaxPageSize,
                               ranker::kDefaultPageSize, request.limit()));
  }
  out.limit = request.limit() == 0 ? ranker::kDefaultPageSize : request.limit();
  out.cursor = request.cursor();
  if (request.as_of_ms() < 0) {
    return invalid("as_of_ms", fmt::format("must be >= 0 (0: now), got {}", request.as_of_ms()));
  }
  out.as_of = request.as_of_ms();
  out.explain = request.explain();
  if (request.muted_author_ids_size() > kMaxMutedAuthors) {
    return invalid("muted_author_ids", fmt::format("at most {} ids, got {}", kMaxMutedAuthors,
                                                   request.muted_author_ids_size()));
  }
  for (int i = 0; i < request.muted_author_ids_size(); ++i) {
    const FieldPath field("muted_author_ids", static_cast<std::size_t>(i));
    if (auto status = check_id(field, request.muted_author_ids(i)); !status.ok()) return status;
    out.muted_authors.push_back(request.muted_author_ids(i));
  }
  return out;
}

absl::StatusOr<ranker::NearestPostsRequest> to_nearest_request(
    const v1::GetNearestPostsRequest& request, int embedding_dimension, TimestampMs now) {
  // The field named is the first one too many, or user_id when none is set.
  const bool has_embedding = request.embedding_size() != 0;
  if (request.user_id() == 0 && request.post_id() == 0 && !has_embedding) {
    return invalid("user_id", "set one of user_id, post_id and embedding");
  }
  if (request.user_id() != 0 && (request.post_id() != 0 || has_embedding)) {
    return invalid(request.post_id() != 0 ? "post_id" : "embedding",
                   "set only one of user_id, post_id and embedding");
  }
  if (request.post_id() != 0 && has_embedding) {
    return invalid("embedding", "set only one of user_id, post_id and embedding");
  }
  if (request.user_id() != 0 && request.viewer_id() != 0 &&
      request.viewer_id() != request.user_id()) {
    return invalid("viewer_id", fmt::format("the user_id query already names the viewer (user {})",
                                            request.user_id()));
  }
  ranker::NearestPostsRequest out;
  out.now = now;
  out.viewer = request.viewer_id();
  if (request.user_id() != 0) {
    out.to = ranker::NearestTo::kUser;
    out.id = request.user_id();
  } else if (request.post_id() != 0) {
    out.to = ranker::NearestTo::kPost;
    out.id = request.post_id();
  } else {
    const std::span<const float> vector(request.embedding().data(), request.embedding_size());
    if (auto status = check_vector("embedding", vector, embedding_dimension); !status.ok()) {
      return status;
    }
    out.to = ranker::NearestTo::kVector;
    out.vector.assign(vector.begin(), vector.end());
  }
  if (request.k() < 0 || request.k() > kernels::kMaxTopK) {
    return invalid("k", fmt::format("must be 1..{} (0 for the default {}), got {}",
                                    kernels::kMaxTopK, kDefaultNearestPosts, request.k()));
  }
  out.k = request.k() == 0 ? kDefaultNearestPosts : request.k();
  return out;
}

void to_proto(const std::vector<ranker::ScoredPost>& posts, v1::GetNearestPostsResponse& response) {
  response.mutable_posts()->Reserve(static_cast<int>(posts.size()));
  for (const ranker::ScoredPost& post : posts) {
    auto* out = response.add_posts();
    out->set_post_id(post.post);
    out->set_author_id(post.author);
    out->set_score(post.score);
  }
}

void to_proto(ranker::ServedPage&& served, bool explain, v1::GetFeedResponse& response) {
  response.set_request_id(fmt::format("{:016x}", served.request_id));
  response.set_experiment(std::move(served.experiment));
  response.set_arm(std::move(served.arm));
  response.set_mode(to_proto(served.mode));
  to_proto(std::move(served.page), explain, response);
}

void to_proto(ranker::FeedPage&& page, bool explain, v1::GetFeedResponse& response) {
  response.mutable_items()->Reserve(static_cast<int>(page.items.size()));
  for (auto& item : page.items) {
    auto* out = response.add_items();
    out->set_post_id(item.post);
    out->set_author_id(item.author);
    out->set_created_at_ms(item.created_at);
    out->set_text(std::move(item.text));
    out->set_score(item.score);
    out->set_source(to_proto(item.source));
    out->set_team(static_cast<v1::InterleavingTeam>(item.team));  // same numbers
    for (const ranker::ScoreTerm& term : item.explanation) {
      auto* term_out = out->add_explanation();
      term_out->set_name(term.name);
      term_out->set_value(term.value);
      term_out->set_contribution(term.contribution);
    }
  }
  response.set_next_cursor(std::move(page.next_cursor));
  const ranker::RankingStats& stats = page.stats;
  response.set_ranking_config_version(stats.config_version);
  response.set_backend(stats.backend);
  for (const std::string& line : stats.degraded) response.add_degraded(line);
  if (!explain) return;
  for (int source = 0; source < ranker::kCandidateSourceCount; ++source) {
    if (stats.candidates[source] == 0) continue;
    auto* count = response.add_candidate_counts();
    count->set_source(to_proto(static_cast<ranker::CandidateSource>(source)));
    count->set_candidates(stats.candidates[source]);
    count->set_seconds(static_cast<double>(stats.source_ns[source]) * 1e-9);
  }
  const bool ranked = std::any_of(stats.stage_ns.begin(), stats.stage_ns.end(),
                                  [](std::uint64_t ns) { return ns > 0; });
  if (ranked) {  // not for chronological pages
    for (int stage = 0; stage < ranker::kRankingStageCount; ++stage) {
      auto* time = response.add_stage_times();
      time->set_stage(std::string(ranker::stage_name(static_cast<ranker::RankingStage>(stage))));
      time->set_seconds(static_cast<double>(stats.stage_ns[stage]) * 1e-9);
    }
  }
  for (const auto& [filter, removed] : stats.removed) {
    auto* count = response.add_removed_counts();
    count->set_filter(filter);
    count->set_removed(removed);
  }
}

namespace {

void to_proto(const store::CheckpointCounts& counts, v1::CheckpointStatus& out) {
  out.set_through_record(counts.through);
  out.set_last_record(counts.last_sequence);
  out.set_saved(counts.saved);
  out.set_failed(counts.failed);
  out.set_last_error(counts.last_error);
}

}  // namespace

void to_proto(const ranker::EngineCounts& counts, v1::GetStatsResponse& response) {
  response.set_users(counts.store.users);
  response.set_posts(counts.store.posts);
  response.set_follows(counts.store.follows);
  response.set_engagements(counts.store.engagements);
  response.set_embedded_posts(counts.embedded_posts);
  response.set_users_with_vectors(counts.users_with_vectors);
  response.set_embedding_dimension(static_cast<std::uint32_t>(counts.embedding_dimension));
  response.set_retrieval_backend(counts.retrieval_backend);
  response.set_index_lag(counts.index_lag);
  response.set_background_indexed_rows(counts.background_indexed_rows);
  response.set_background_indexing_seconds(counts.background_indexing_seconds);
  response.set_background_indexing_yielded_seconds(counts.background_indexing_yielded_seconds);
  response.set_vector_space(std::string(ranker::vector_space_name(counts.vector_space)));
  to_proto(counts.store.checkpoints, *response.mutable_checkpoints());
  if (counts.vector_space != ranker::VectorSpace::kText)
    to_proto(counts, *response.mutable_learned());
  if (counts.reembed) to_proto(*counts.reembed, *response.mutable_reembed());
}

void to_proto(const ranker::ReembedProgress& progress, v1::ReembedProgress& out) {
  out.set_running(progress.running);
  out.set_rows_done(progress.rows_done);
  out.set_rows_total(progress.rows_total);
  out.set_vectors_changed(progress.vectors_changed);
  out.set_seconds(progress.seconds);
  out.set_error(progress.error);
}

void to_proto(const ranker::EngineCounts& counts, v1::LearnedSpaceStatus& status) {
  if (counts.learned_model) {
    const embeddings::LearnedModelInfo& info = *counts.learned_model;
    v1::LearnedModelInfo& model = *status.mutable_model();
    model.set_version(info.version);
    model.set_trained_at_ms(info.trained_at);
    model.set_trained_through(info.trained_through);
    model.set_users(info.users);
    model.set_posts(info.posts);
    model.set_engagement_pairs(info.entries);
    model.set_iterations(static_cast<std::uint32_t>(info.iterations));
    model.set_converged(info.converged);
    model.set_final_loss(info.final_loss);
    model.set_train_seconds(info.train_seconds);
    model.set_backend(info.backend);
    status.set_index(counts.learned_index);
    status.set_index_lag(counts.learned_index_lag);
  }
  if (counts.training) {
    const ranker::TrainingProgress& progress = *counts.training;
    v1::TrainingProgress& training = *status.mutable_training();
    training.set_running(progress.running);
    training.set_phase(progress.phase);
    training.set_iteration(static_cast<std::uint32_t>(progress.iteration));
    training.set_max_iterations(static_cast<std::uint32_t>(progress.max_iterations));
    training.set_loss(progress.loss);
    training.set_finished(progress.finished);
  }
  status.set_training_backend(counts.training_backend);
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
