#include "ranker/retrieval/post_index.h"

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
  rows.tombstone_words = table.tombstone_words().data();
  return rows;
}

}  // namespace

PostIndex::PostIndex(std::unique_ptr<kernels::VectorIndex> index) : index_(std::move(index)) {}

std::size_t PostIndex::indexed_rows() const {
  std::shared_lock lock(mutex_);
  return index_->indexed_rows();
}

absl::Status PostIndex::save(const embeddings::EmbeddingTable& table,
                             const std::string& path) const {
  std::shared_lock lock(mutex_);
  return save_index(*index_, table, path);
}

absl::Status PostIndex::sync(const embeddings::EmbeddingTable& table) {
  std::unique_lock lock(mutex_);
  return sync_locked(table);
}

absl::Status PostIndex::sync_locked(const embeddings::EmbeddingTable& table) const {
  absl::Status status =
      table.rows() == 0 ? absl::OkStatus() : index_->sync(rows_of(table));
  stale_ = !status.ok();
  return status;
}

absl::StatusOr<kernels::SearchResults> PostIndex::search(
    const embeddings::EmbeddingTable& table, const kernels::SearchRequest& request) const {
  if (stale_) {
    std::unique_lock lock(mutex_);
    if (stale_) {
      if (absl::Status status = sync_locked(table); !status.ok()) return status;
    }
  }
  std::shared_lock lock(mutex_);
  if (index_->indexed_rows() == 0) {
    const std::size_t queries =
        table.dimension() > 0 ? request.queries.size() / table.dimension() : 0;
    return kernels::SearchResults(queries);
  }
  return index_->search(rows_of(table), request);
}

}  // namespace feedrank::ranker
