#include "ranker/retrieval/post_index.h"

#include <algorithm>
#include <mutex>

#include "ranker/retrieval/saved_index.h"

namespace feedrank::ranker {
namespace {

kernels::VectorRows rows_of(const embeddings::EmbeddingTable& table) {
  kernels::VectorRows rows;
  rows.data = table.data();
  rows.rows = table.rows();
  rows.dimension = table.dimension();
  rows.ids = table.row_ids().data();
  // Deleted and followers-only rows: the index only ever returns live public posts (the engine
  // adds the followers-only posts a viewer may see itself).
  rows.tombstone_words = table.unsearchable_words().data();
  return rows;
}

}  // namespace

PostIndex::PostIndex(std::unique_ptr<kernels::VectorIndex> index) : index_(std::move(index)) {}

std::size_t PostIndex::indexed_rows() const {
  std::shared_lock lock(mutex_);
  return index_->indexed_rows();
}

std::size_t PostIndex::memory_bytes() const {
  std::shared_lock lock(mutex_);
  return index_->memory_bytes();
}

absl::Status PostIndex::save(const embeddings::EmbeddingTable& table,
                             const std::string& path) const {
  std::shared_lock lock(mutex_);
  return save_index(*index_, table, path);
}

absl::Status PostIndex::sync(const embeddings::EmbeddingTable& table, std::size_t rows_per_lock) {
  const std::size_t total = table.rows();
  while (true) {
    std::unique_lock lock(mutex_);
    const std::size_t indexed = std::min(total, index_->indexed_rows());
    const std::size_t upto = total - indexed <= rows_per_lock ? total : indexed + rows_per_lock;
    if (upto == total) return sync_locked(table, total);  // also takes the tombstones
    if (absl::Status status = sync_locked(table, upto); !status.ok()) return status;
  }
}

absl::Status PostIndex::sync_locked(const embeddings::EmbeddingTable& table,
                                    std::size_t rows) const {
  kernels::VectorRows view = rows_of(table);
  view.rows = rows;
  absl::Status status = rows == 0 ? absl::OkStatus() : index_->sync(view);
  stale_ = !status.ok();
  return status;
}

absl::StatusOr<kernels::SearchResults> PostIndex::search(
    const embeddings::EmbeddingTable& table, const kernels::SearchRequest& request) const {
  if (stale_) {
    std::unique_lock lock(mutex_);
    if (stale_) {
      if (absl::Status status = sync_locked(table, table.rows()); !status.ok()) return status;
    }
  }
  std::shared_lock lock(mutex_);
  const std::size_t queries = table.dimension() > 0 ? request.queries.size() / table.dimension() : 0;
  if (index_->indexed_rows() == 0) return kernels::SearchResults(queries);
  const kernels::VectorRows rows = rows_of(table);
  // A malformed request is searched alone, so that it gets the index's own error.
  const bool well_formed =
      queries > 0 && request.queries.size() == queries * table.dimension() && request.k >= 1 &&
      request.k <= kernels::kMaxTopK &&
      (request.exclude.empty() || request.exclude.size() == queries) &&
      (request.first_rows.empty() || request.first_rows.size() == queries);
  if (!index_->batches_queries() || !well_formed) return index_->search(rows, request);
  return batcher_.search(request, queries, [this, &rows](const kernels::SearchRequest& batch) {
    return index_->search(rows, batch);
  });
}

}  // namespace feedrank::ranker
