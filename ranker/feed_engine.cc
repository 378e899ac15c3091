#include "ranker/feed_engine.h"

#include "embeddings/hashtags.h"
#include "fmt/format.h"
#include "ranker/chronological/chronological_feed.h"
#include "ranker/feed_cursor.h"

namespace feedrank::ranker {

absl::StatusOr<FeedPage> FeedEngine::get_feed(const FeedRequest& request) const {
  if (request.mode == FeedMode::kAlgorithmic) {
    return absl::UnimplementedError("mode: ALGORITHMIC is not implemented yet");
  }
  std::optional<store::TimelineEntry> below;
  if (!request.cursor.empty()) {
    auto cursor = decode_cursor(request.cursor);
    if (!cursor.ok()) return cursor.status();
    if (cursor->viewer != request.viewer || cursor->mode != request.mode) {
      return absl::InvalidArgumentError("cursor: issued for another user or mode");
    }
    below = cursor->last_shown;
  }

  auto snapshot = store_.snapshot();
  const store::FeedState& state = snapshot.state();
  if (!state.users.contains(request.viewer)) {
    return absl::NotFoundError(fmt::format("user_id: user {} not found", request.viewer));
  }
  ChronologicalPage page = chronological_page(state, request.viewer, request.limit, below);
  FeedPage result{std::move(page.items), {}};
  if (page.more)
    result.next_cursor = encode_cursor({request.viewer, request.mode, page.last_shown});
  return result;
}

absl::StatusOr<store::WriteSummary> FeedEngine::write(std::vector<WriteOp> ops,
                                                      const store::ItemNamer& item_name) {
  for (auto& op : ops) {
    if (auto* post = std::get_if<Post>(&op))
      post->hashtags = embeddings::extract_hashtags(post->text);
  }
  return store_.write(ops, item_name);
}

}  // namespace feedrank::ranker
