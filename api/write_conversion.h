// Write requests -> domain write ops, checking every field before anything is written. Errors
// are INVALID_ARGUMENT naming the item and field, e.g. "posts[3].text: too long (...)".
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "feedrank/v1/feedrank.pb.h"
#include "store/records.h"
#include "store/write_planner.h"

namespace feedrank::api {

using WriteOps = std::vector<WriteOp>;

// What a valid write depends on beyond the request itself.
struct WriteRules {
  int embedding_dimension = 128;  // caller-supplied post vectors must have exactly this size
  // Posts and engagements dated after this are refused (0: no bound). The service sets it per call
  // to the server's clock plus kClockSkewMs: one engagement dated years ahead would otherwise
  // outweigh every present one in the time-decayed counts and the trending order, and such a
  // post would head its followers' chronological feeds for years and freeze its author's vector.
  TimestampMs latest_time_ms = 0;
};

inline constexpr TimestampMs kClockSkewMs = 24LL * 60 * 60 * 1000;

absl::StatusOr<WriteOps> to_write_ops(const v1::UpsertUsersRequest& request,
                                      const WriteRules& rules);
absl::StatusOr<WriteOps> to_write_ops(const v1::CreatePostsRequest& request,
                                      const WriteRules& rules);
absl::StatusOr<WriteOps> to_write_ops(const v1::DeletePostsRequest& request,
                                      const WriteRules& rules);
absl::StatusOr<WriteOps> to_write_ops(const v1::FollowRequest& request, const WriteRules& rules);
absl::StatusOr<WriteOps> to_write_ops(const v1::UnfollowRequest& request, const WriteRules& rules);
absl::StatusOr<WriteOps> to_write_ops(const v1::RecordEngagementsRequest& request,
                                      const WriteRules& rules);
// An empty chunk is allowed (and changes nothing).
absl::StatusOr<WriteOps> to_write_ops(const v1::IngestRequest& request, const WriteRules& rules);

// Names items of the same requests for the store's reference checks ("posts[3].author_id").
store::ItemNamer list_item_namer(std::string_view list_field);
store::ItemNamer ingest_item_namer(const v1::IngestRequest& request);

}  // namespace feedrank::api
