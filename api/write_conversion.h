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

absl::StatusOr<WriteOps> to_write_ops(const v1::UpsertUsersRequest& request);
absl::StatusOr<WriteOps> to_write_ops(const v1::CreatePostsRequest& request);
absl::StatusOr<WriteOps> to_write_ops(const v1::DeletePostsRequest& request);
absl::StatusOr<WriteOps> to_write_ops(const v1::FollowRequest& request);
absl::StatusOr<WriteOps> to_write_ops(const v1::UnfollowRequest& request);
absl::StatusOr<WriteOps> to_write_ops(const v1::RecordEngagementsRequest& request);
// An empty chunk is allowed (and changes nothing).
absl::StatusOr<WriteOps> to_write_ops(const v1::IngestRequest& request);

// Names items of the same requests for the store's reference checks ("posts[3].author_id").
store::ItemNamer list_item_namer(std::string_view list_field);
store::ItemNamer ingest_item_namer(const v1::IngestRequest& request);

}  // namespace feedrank::api
