// The domain entry point the API calls: feed pages, writes and counts. Owns no transport
// concerns; errors are absl::Status with the gRPC-compatible codes.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "ranker/feed_types.h"
#include "store/feed_store.h"

namespace feedrank::ranker {

class FeedEngine {
 public:
  explicit FeedEngine(store::FeedStore& store) : store_(store) {}

  // NOT_FOUND for an unknown viewer; INVALID_ARGUMENT for a cursor of another viewer or mode;
  // UNIMPLEMENTED for the algorithmic mode until it exists.
  absl::StatusOr<FeedPage> get_feed(const FeedRequest& request) const;

  // Derives what the server computes (hashtags), then writes atomically.
  absl::StatusOr<store::WriteSummary> write(std::vector<WriteOp> ops,
                                            const store::ItemNamer& item_name);

  store::StoreCounts counts() const { return store_.counts(); }

 private:
  store::FeedStore& store_;
};

}  // namespace feedrank::ranker
