// The opaque pagination cursor: where the previous page ended, bound to the viewer and mode
// it was issued for (a keyset position, or a ranked list and offset; the items shown so far and
// the experiment arm of the first page). URL-safe base64 of a versioned, checksummed record, so
// that garbage or a cursor from another viewer is rejected instead of silently misread.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ranker/feed_types.h"
#include "store/post_catalog.h"

namespace feedrank::ranker {

struct FeedCursor {
  UserId viewer = 0;
  FeedMode mode = FeedMode::kChronological;
  // Chronological: the next page starts strictly below this position (keyset pagination).
  store::TimelineEntry last_shown;
  // Algorithmic: the ranked list kept for this viewer (RankedListCache) and the next position.
  std::uint64_t ranked_list = 0;
  std::uint64_t offset = 0;
  // Items served before the next page (its first item's 0-based position in the whole feed).
  std::uint64_t shown = 0;
  // The experiment arm the feed's first page was served under (FeedRequest::arm_tag; 0: none).
  std::uint64_t arm_tag = 0;
};

std::string encode_cursor(const FeedCursor& cursor);

// INVALID_ARGUMENT naming "cursor" when the text is not a cursor this service issued.
absl::StatusOr<FeedCursor> decode_cursor(std::string_view text);

}  // namespace feedrank::ranker
