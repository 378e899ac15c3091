// The retrieval index over the corpus's post vectors (ranker/vectors' embedding table), kept in
// step with it: after every write the engine syncs it, so an acknowledged post or delete is
// what the next search sees. One index for the life of the process, chosen at start. It takes
// the table's not-searchable bits as its tombstones, so it returns live public posts only.
//
// Locking: callers hold a FeedStore snapshot for the whole call, so the table does not change
// meanwhile; the index's own lock lets searches run together and a sync run alone.
#pragma once

#include <atomic>
#include <limits>
#include <memory>
#include <shared_mutex>
#include <string>

#include "absl/status/statusor.h"
#include "embeddings/embedding_table.h"
#include "kernels/vector_index.h"
#include "ranker/retrieval/search_batcher.h"

namespace feedrank::ranker {

class PostIndex {
 public:
  explicit PostIndex(std::unique_ptr<kernels::VectorIndex> index);

  std::string describe() const { return index_->describe(); }
  std::size_t indexed_rows() const;
  // The index's own host memory (VectorIndex::memory_bytes).
  std::size_t memory_bytes() const;

  // Saves the index for the next start (see saved_index.h).
  absl::Status save(const embeddings::EmbeddingTable& table, const std::string& path) const;

  // Indexes the rows added since the last sync and takes the current not-searchable bits
  // (deleted or followers-only) as its tombstones. When it fails
  // (INTERNAL, e.g. out of device memory) the next search tries again before searching.
  // Searches wait while it holds the index, so it adds at most `rows_per_lock` rows at a time
  // (an HNSW insertion costs about a millisecond: a 10,000-post Ingest chunk would otherwise
  // stall searches for seconds). IVF trains on the rows of the step that reaches its training
  // size, so a start syncs everything in one step.
  absl::Status sync(const embeddings::EmbeddingTable& table,
                    std::size_t rows_per_lock = std::numeric_limits<std::size_t>::max());

  // Results by score, ties by smaller id; empty lists when the table has no rows. On an index
  // that batches queries, concurrent callers are searched together (search_batcher.h).
  absl::StatusOr<kernels::SearchResults> search(const embeddings::EmbeddingTable& table,
                                                const kernels::SearchRequest& request) const;

 private:
  // Syncs the first `rows` rows of the table (and all of its tombstones).
  absl::Status sync_locked(const embeddings::EmbeddingTable& table, std::size_t rows) const;

  // Mutable so that a const search can finish a sync that failed earlier.
  std::unique_ptr<kernels::VectorIndex> index_;
  mutable std::shared_mutex mutex_;
  mutable std::atomic<bool> stale_{false};
  mutable SearchBatcher batcher_;
};

}  // namespace feedrank::ranker
