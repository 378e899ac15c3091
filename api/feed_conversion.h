// Feed requests and pages between proto and domain types.
#pragma once

#include "absl/status/statusor.h"
#include "feedrank/v1/feedrank.pb.h"
#include "ranker/feed_types.h"
#include "ranker/experiments/experiment_feeds.h"
#include "ranker/feed_engine.h"
#include "store/feed_store.h"
#include "store/write_planner.h"

namespace feedrank::api {

// UNSPECIFIED is chronological; INVALID_ARGUMENT naming mode for a value outside the enum.
absl::StatusOr<ranker::FeedMode> to_feed_mode(v1::FeedMode mode);
// INVALID_ARGUMENT naming user_id, mode, limit, as_of_ms or muted_author_ids[i]. The cursor is
// checked by the ranker.
absl::StatusOr<ranker::FeedRequest> to_feed_request(const v1::GetFeedRequest& request);

// INVALID_ARGUMENT naming the field: not exactly one of user_id, post_id and embedding, an
// embedding of another dimension (or NaN, infinite, all zeros), k outside 0..1024. `now` is the
// time the user's vector is decayed to.
absl::StatusOr<ranker::NearestPostsRequest> to_nearest_request(
    const v1::GetNearestPostsRequest& request, int embedding_dimension, TimestampMs now);
void to_proto(const std::vector<ranker::ScoredPost>& posts, v1::GetNearestPostsResponse& response);

// Moves the texts out of `page`: a page is converted once, right before it is sent. Candidate
// and filter counts only when `explain`.
void to_proto(ranker::FeedPage&& page, bool explain, v1::GetFeedResponse& response);
// The page, plus its request id, experiment, arm and the mode served.
void to_proto(ranker::ServedPage&& served, bool explain, v1::GetFeedResponse& response);
void to_proto(const ranker::EngineCounts& counts, v1::GetStatsResponse& response);
// The learned or hybrid space's part of the counts: the serving model (when there is one), its
// index and the training's progress.
void to_proto(const ranker::EngineCounts& counts, v1::LearnedSpaceStatus& status);
void to_proto(const ranker::ReembedProgress& progress, v1::ReembedProgress& out);
void to_proto(const store::WriteSummary& summary, v1::IngestResponse& response);

}  // namespace feedrank::api
