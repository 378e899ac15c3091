#include "tools/simulate/server_writes.h"

#include <algorithm>

#include "fmt/format.h"
#include "tools/cli/grpc_client.h"

namespace feedrank::simulate {

absl::Status rpc_error(std::string_view what, const grpc::Status& status) {
  // gRPC's and absl's codes are the same numbers.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      fmt::format("{}: {}: {}", what, cli::status_code_name(status.error_code()),
                                  status.error_message()));
}

v1::IngestRecord post_record(const SimulatedPost& post) {
  v1::IngestRecord record;
  v1::Post& proto = *record.mutable_post();
  proto.set_id(post.id);
  proto.set_author_id(post.author_id);
  proto.set_text(post.text);
  proto.set_created_at_ms(post.created_at_ms);
  proto.set_visibility(v1::VISIBILITY_PUBLIC);
  return record;
}

v1::Engagement like_engagement(const SimulatedLike& like) {
  v1::Engagement engagement;
  engagement.set_user_id(like.viewer_id);
  engagement.set_post_id(like.post_id);
  engagement.set_kind(v1::ENGAGEMENT_KIND_LIKE);
  engagement.set_at_ms(like.at_ms);
  return engagement;
}

v1::IngestRecord like_record(const SimulatedLike& like) {
  v1::IngestRecord record;
  *record.mutable_engagement() = like_engagement(like);
  return record;
}

absl::StatusOr<v1::IngestResponse> ingest(
    const std::string& target, const std::shared_ptr<grpc::Channel>& channel,
    const std::function<void(cli::IngestUploader& uploader)>& produce) {
  cli::IngestUploaderOptions options;
  options.chunk_records = kMaxBatchItems;
  cli::IngestUploader uploader(channel, target, options);
  produce(uploader);
  const cli::IngestSummary summary = uploader.finish();
  if (!summary.status.ok()) return rpc_error("Ingest", summary.status);
  return summary.response;
}

absl::Status record_likes(v1::FeedRank::Stub& stub, std::span<const SimulatedLike> likes) {
  for (std::size_t first = 0; first < likes.size(); first += kMaxBatchItems) {
    v1::RecordEngagementsRequest request;
    for (const SimulatedLike& like :
         likes.subspan(first, std::min(kMaxBatchItems, likes.size() - first))) {
      *request.add_engagements() = like_engagement(like);
    }
    grpc::ClientContext context;
    cli::set_deadline(context, cli::kUnaryDeadline);
    v1::RecordEngagementsResponse response;
    const grpc::Status status = stub.RecordEngagements(&context, request, &response);
    if (!status.ok()) return rpc_error("RecordEngagements", status);
  }
  return absl::OkStatus();
}

}  // namespace feedrank::simulate
