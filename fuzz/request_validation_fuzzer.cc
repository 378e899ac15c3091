// The service's request validation on arbitrary wire bytes: the first byte picks a request
// message, the rest is parsed as it (as gRPC would), then converted by the same functions the
// service runs before anything reaches the store or the ranker. Nothing may crash, and a refused
// request is INVALID_ARGUMENT with a message that starts with the field's path; the feed
// request's cursor goes through the ranker's decoder as the feed would.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/feed_conversion.h"
#include "api/write_conversion.h"
#include "feedrank/v1/feedrank.pb.h"
#include "fuzz/fuzz_check.h"
#include "ranker/feed_cursor.h"

namespace {

namespace v1 = feedrank::v1;

// The rules the service applies (embedding dimension, engagements at most a day ahead of now).
constexpr feedrank::TimestampMs kNow = 1'780'000'000'000;
const feedrank::api::WriteRules kRules{128, kNow + feedrank::api::kClockSkewMs};

template <typename Request>
void check_write(const std::uint8_t* bytes, std::size_t size) {
  Request request;
  if (!request.ParseFromArray(bytes, static_cast<int>(size))) return;  // gRPC refuses it first
  const auto ops = feedrank::api::to_write_ops(request, kRules);
  if (!ops.ok()) check_refusal_names_a_field(ops.status());
}

void check_feed(const std::uint8_t* bytes, std::size_t size) {
  v1::GetFeedRequest request;
  if (!request.ParseFromArray(bytes, static_cast<int>(size))) return;
  const auto feed = feedrank::api::to_feed_request(request);
  if (!feed.ok()) {
    check_refusal_names_a_field(feed.status());
    return;
  }
  if (!feed->cursor.empty()) {
    const auto cursor = feedrank::ranker::decode_cursor(feed->cursor);
    if (!cursor.ok()) check_refusal_names_a_field(cursor.status());
  }
}

void check_nearest(const std::uint8_t* bytes, std::size_t size) {
  v1::GetNearestPostsRequest request;
  if (!request.ParseFromArray(bytes, static_cast<int>(size))) return;
  const auto nearest = feedrank::api::to_nearest_request(request, kRules.embedding_dimension, kNow);
  if (!nearest.ok()) check_refusal_names_a_field(nearest.status());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t* message = bytes + 1;
  const std::size_t message_size = size - 1;
  switch (bytes[0] % 9) {
    case 0: check_write<v1::UpsertUsersRequest>(message, message_size); break;
    case 1: check_write<v1::CreatePostsRequest>(message, message_size); break;
    case 2: check_write<v1::DeletePostsRequest>(message, message_size); break;
    case 3: check_write<v1::FollowRequest>(message, message_size); break;
    case 4: check_write<v1::UnfollowRequest>(message, message_size); break;
    case 5: check_write<v1::RecordEngagementsRequest>(message, message_size); break;
    case 6: check_write<v1::IngestRequest>(message, message_size); break;
    case 7: check_feed(message, message_size); break;
    case 8: check_nearest(message, message_size); break;
  }
  return 0;
}
