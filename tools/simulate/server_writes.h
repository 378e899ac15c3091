// The simulator's writes to the server: records streamed through Ingest (history, new posts) and
// likes through RecordEngagements, in batches the server accepts. Errors are absl statuses that
// say which call failed and keep the server's code.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "feedrank/v1/feedrank.grpc.pb.h"
#include "tools/cli/ingest_uploader.h"
#include "tools/simulate/world.h"

namespace feedrank::simulate {

// The server takes at most this many items a call.
inline constexpr std::size_t kMaxBatchItems = 10000;

// "<what>: <CODE>: <message>" with the gRPC status's code.
absl::Status rpc_error(std::string_view what, const grpc::Status& status);

v1::IngestRecord post_record(const SimulatedPost& post);
v1::Engagement like_engagement(const SimulatedLike& like);
v1::IngestRecord like_record(const SimulatedLike& like);

// Streams what `produce` adds (in order) through one Ingest call to `target` and returns the
// server's summary.
absl::StatusOr<v1::IngestResponse> ingest(
    const std::string& target, const std::shared_ptr<grpc::Channel>& channel,
    const std::function<void(cli::IngestUploader& uploader)>& produce);

// RecordEngagements in batches of at most kMaxBatchItems; stops at the first failure.
absl::Status record_likes(v1::FeedRank::Stub& stub, std::span<const SimulatedLike> likes);

}  // namespace feedrank::simulate
