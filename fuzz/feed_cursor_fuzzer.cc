// The feed cursor decoder on arbitrary text: it never crashes, refuses garbage with
// INVALID_ARGUMENT naming "cursor", and a cursor it accepts re-encodes to one that decodes to the
// same position. The same bytes are also read as a cursor's fields, which must survive
// encode -> decode unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <fuzzer/FuzzedDataProvider.h>

#include "absl/strings/match.h"

#include "fuzz/fuzz_check.h"
#include "ranker/feed_cursor.h"

namespace {

using feedrank::ranker::FeedCursor;
using feedrank::ranker::FeedMode;

bool same(const FeedCursor& a, const FeedCursor& b) {
  return a.viewer == b.viewer && a.mode == b.mode && a.last_shown == b.last_shown &&
         a.ranked_list == b.ranked_list && a.offset == b.offset && a.shown == b.shown &&
         a.arm_tag == b.arm_tag;
}

void check_decoder(std::string_view text) {
  const auto decoded = feedrank::ranker::decode_cursor(text);
  if (!decoded.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(decoded.status()), "a refused cursor is INVALID_ARGUMENT");
    FUZZ_CHECK(absl::StartsWith(decoded.status().message(), "cursor: "),
               "the error names the field");
    return;
  }
  const auto again = feedrank::ranker::decode_cursor(feedrank::ranker::encode_cursor(*decoded));
  FUZZ_CHECK(again.ok(), "a re-encoded cursor decodes");
  FUZZ_CHECK(same(*again, *decoded), "a re-encoded cursor decodes to the same position");
}

// A cursor as the service issues one: a mode and only the position fields of that mode.
void check_encoder(FuzzedDataProvider& data) {
  FeedCursor cursor;
  cursor.mode = data.PickValueInArray(
      {FeedMode::kChronological, FeedMode::kAlgorithmic, FeedMode::kInterleaved});
  cursor.viewer = data.ConsumeIntegral<std::uint64_t>();
  if (cursor.mode == FeedMode::kChronological) {
    cursor.last_shown.created_at = data.ConsumeIntegral<std::int64_t>();
    cursor.last_shown.id = data.ConsumeIntegral<std::uint64_t>();
  } else {
    cursor.ranked_list = data.ConsumeIntegral<std::uint64_t>();
    cursor.offset = data.ConsumeIntegral<std::uint64_t>();
  }
  cursor.shown = data.ConsumeIntegral<std::uint64_t>();
  cursor.arm_tag = data.ConsumeIntegral<std::uint64_t>();
  const auto decoded = feedrank::ranker::decode_cursor(feedrank::ranker::encode_cursor(cursor));
  FUZZ_CHECK(decoded.ok(), "an encoded cursor decodes");
  FUZZ_CHECK(same(*decoded, cursor), "encode -> decode is the identity");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  check_decoder(std::string_view(reinterpret_cast<const char*>(bytes), size));
  FuzzedDataProvider data(bytes, size);
  check_encoder(data);
  return 0;
}
