// The domain entry point the API calls: feed pages, writes and counts. Owns the store and the
// corpus vectors kept in step with it; no transport concerns. Errors are absl::Status with the
// gRPC-compatible codes.
#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "ranker/feed_types.h"
#include "ranker/vectors/corpus_vectors.h"
#include "store/feed_store.h"

namespace feedrank::ranker {

struct EngineCounts {
  store::StoreCounts store;
  std::uint64_t embedded_posts = 0;  // live rows of the embedding table
  std::uint64_t users_with_vectors = 0;
  int embedding_dimension = 0;
};

class FeedEngine {
 public:
  // Rebuilds the store's views and the vectors from `durable` (restoring the user-vector
  // checkpoint and replaying what came after it).
  static absl::StatusOr<std::unique_ptr<FeedEngine>> open(
      std::unique_ptr<store::DurableStore> durable, CorpusVectorOptions vector_options);

  // NOT_FOUND for an unknown viewer; INVALID_ARGUMENT for a cursor of another viewer or mode;
  // UNIMPLEMENTED for the algorithmic mode until it exists.
  absl::StatusOr<FeedPage> get_feed(const FeedRequest& request) const;

  // Writes atomically; the store's extension derives hashtags and vectors of new posts.
  absl::StatusOr<store::WriteSummary> write(std::vector<WriteOp> ops,
                                            const store::ItemNamer& item_name);

  EngineCounts counts() const;

  // The user's vector at `now` (all zeros when nothing is known of them yet); NOT_FOUND for an
  // unknown user.
  absl::StatusOr<std::vector<float>> user_vector(UserId user, TimestampMs now) const;

  // Saves the user vectors now, so the next start has nothing to replay (clean shutdown).
  absl::Status checkpoint() { return store_->checkpoint(); }

 private:
  FeedEngine() = default;

  // Declared first so it outlives the store, which calls it.
  std::unique_ptr<CorpusVectors> vectors_;
  std::unique_ptr<store::FeedStore> store_;
};

}  // namespace feedrank::ranker
