#include "ranker/feed_engine.h"

#include "fmt/format.h"
#include "ranker/chronological/chronological_feed.h"
#include "ranker/feed_cursor.h"

namespace feedrank::ranker {

absl::StatusOr<std::unique_ptr<FeedEngine>> FeedEngine::open(
    std::unique_ptr<store::DurableStore> durable, CorpusVectorOptions vector_options) {
  std::unique_ptr<FeedEngine> engine(new FeedEngine());
  auto vectors = CorpusVectors::create(std::move(vector_options));
  if (!vectors.ok()) return vectors.status();
  engine->vectors_ = std::move(*vectors);
  auto store = store::FeedStore::open(std::move(durable), engine->vectors_.get());
  if (!store.ok()) return store.status();
  engine->store_ = std::move(*store);
  return engine;
}

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

  auto snapshot = store_->snapshot();
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
  return store_->write(ops, item_name);
}

EngineCounts FeedEngine::counts() const {
  EngineCounts counts;
  counts.store = store_->counts();
  auto snapshot = store_->snapshot();
  counts.embedded_posts = vectors_->posts().live_rows();
  counts.users_with_vectors = vectors_->users_with_vectors();
  counts.embedding_dimension = vectors_->dimension();
  return counts;
}

absl::StatusOr<std::vector<float>> FeedEngine::user_vector(UserId user, TimestampMs now) const {
  auto snapshot = store_->snapshot();
  if (!snapshot.state().users.contains(user)) {
    return absl::NotFoundError(fmt::format("user_id: user {} not found", user));
  }
  return vectors_->user_vector(user, snapshot.state(), now);
}

}  // namespace feedrank::ranker
