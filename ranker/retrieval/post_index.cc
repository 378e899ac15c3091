#include "ranker/retrieval/post_index.h"

#include <algorithm>
#include <mutex>

#include "kernels/search_checks.h"
#include "ranker/retrieval/saved_index.h"
#include "ranker/retrieval/table_rows.h"
#include "ranker/retrieval/tail_scan.h"

namespace feedrank::ranker {

PostIndex::PostIndex(std::unique_ptr<kernels::VectorIndex> index)
    : index_(std::move(index)),
      quick_to_search_(index_->searches_are_quick()),
      worth_deferring_(index_->copies_rows()),
      mirrors_tombstones_(index_->mirrors_tombstones()),
      indexed_rows_(index_->indexed_rows()) {
  note_description();
}

std::string PostIndex::describe() const {
  std::lock_guard lock(description_mutex_);
  return description_;
}

void PostIndex::note_description() const {
  std::string description = index_->describe();
  std::lock_guard lock(description_mutex_);
  description_ = std::move(description);
}

std::unique_lock<std::shared_mutex> PostIndex::lock_exclusive() const {
  std::lock_guard turn(turnstile_);
  return std::unique_lock(mutex_);
}

std::shared_lock<std::shared_mutex> PostIndex::lock_shared() const {
  { std::lock_guard turn(turnstile_); }
  return std::shared_lock(mutex_);
}

std::size_t PostIndex::lag(std::size_t table_rows) const {
  const std::size_t indexed = indexed_rows();
  return table_rows > indexed ? table_rows - indexed : 0;
}

std::size_t PostIndex::memory_bytes() const {
  auto lock = lock_shared();
  return index_->memory_bytes();
}

absl::Status PostIndex::save(const embeddings::EmbeddingTable& table,
                             const std::string& path) const {
  auto lock = lock_shared();
  return save_index(*index_, table, path);
}

absl::Status PostIndex::sync(const embeddings::EmbeddingTable& table, std::size_t rows_per_lock) {
  return sync(table.pin(), rows_per_lock);
}

absl::Status PostIndex::sync(const embeddings::EmbeddingTable::Pinned& table,
                             std::size_t rows_per_lock) {
  const kernels::VectorRows rows = rows_of(table);
  const std::size_t total = rows.rows;
  rows_per_lock = std::max<std::size_t>(rows_per_lock, 1);  // 0 would never get anywhere
  while (true) {
    auto lock = lock_exclusive();
    const std::size_t indexed = std::min(total, index_->indexed_rows());
    const std::size_t upto = total - indexed <= rows_per_lock ? total : indexed + rows_per_lock;
    if (upto == total) return sync_locked(rows, total);  // also takes the tombstones
    if (absl::Status status = sync_locked(rows, upto); !status.ok()) return status;
  }
}

absl::Status PostIndex::note_write(const embeddings::EmbeddingTable& table,
                                   std::size_t rows_per_lock) {
  return note_write(table.pin(), rows_per_lock);
}

void PostIndex::note_rows(std::size_t rows) {
  // Writes' syncs run side by side, so an older pin's count may arrive after a newer one's.
  std::size_t known = known_rows_.load(std::memory_order_relaxed);
  while (known < rows &&
         !known_rows_.compare_exchange_weak(known, rows, std::memory_order_release)) {
  }
}

absl::Status PostIndex::note_write(const embeddings::EmbeddingTable::Pinned& table,
                                   std::size_t rows_per_lock) {
  note_rows(table.rows());
  if (!deferred_) return sync(table, rows_per_lock);
  if (!mirrors_tombstones_) return absl::OkStatus();
  auto lock = lock_exclusive();
  return sync_locked(rows_of(table), index_->indexed_rows());  // only the tombstones
}

absl::StatusOr<std::size_t> PostIndex::index_step(
    const embeddings::EmbeddingTable::Pinned& table, std::size_t max_rows) {
  auto lock = lock_exclusive();
  const std::size_t indexed = index_->indexed_rows();
  if (indexed >= table.rows() || max_rows == 0) return 0;
  const std::size_t upto = std::min(table.rows(), indexed + max_rows);
  if (absl::Status status = sync_locked(rows_of(table), upto); !status.ok()) return status;
  return index_->indexed_rows() - indexed;
}

absl::Status PostIndex::sync_locked(kernels::VectorRows view, std::size_t rows) const {
  // A sync on an older pin than the last one (writes' syncs run side by side) adds nothing: the
  // rows the index holds were written before it took them, and the pin keeps them in place.
  view.rows = std::max(rows, index_->indexed_rows());
  absl::Status status = rows == 0 ? absl::OkStatus() : index_->sync(view);
  // An index that reads the rows in place (the exact scan) describes itself the same whatever
  // it syncs: only one that copies rows (and may train, as IVF) is described again, off the
  // inline write path.
  if (rows > 0 && worth_deferring_) note_description();
  indexed_rows_.store(index_->indexed_rows(), std::memory_order_release);
  stale_ = !status.ok();
  return status;
}

bool PostIndex::outgrown(std::size_t table_rows) const {
  auto lock = lock_shared();
  return index_->outgrown(table_rows);
}

std::unique_ptr<kernels::VectorIndex> PostIndex::make_empty() const {
  auto lock = lock_shared();
  return index_->make_empty();
}

std::unique_ptr<kernels::VectorIndex> PostIndex::replace(
    std::unique_ptr<kernels::VectorIndex> fresh) {
  auto lock = lock_exclusive();
  std::swap(index_, fresh);
  note_description();
  indexed_rows_.store(index_->indexed_rows(), std::memory_order_release);
  stale_ = false;
  return fresh;
}

absl::StatusOr<kernels::SearchResults> PostIndex::search(
    const embeddings::EmbeddingTable& table, const kernels::SearchRequest& request) const {
  return search(table.pin(), request);
}

absl::StatusOr<kernels::SearchResults> PostIndex::search(
    const embeddings::EmbeddingTable::Pinned& table, const kernels::SearchRequest& request) const {
  kernels::VectorRows rows = rows_of(table);
  if (stale_) {
    auto lock = lock_exclusive();
    if (stale_) {
      // Deferred, the rows not indexed yet are the tail scan's: only the tombstones are due.
      const std::size_t upto = deferred_ ? index_->indexed_rows() : rows.rows;
      if (absl::Status status = sync_locked(rows, upto); !status.ok()) return status;
    }
  }
  const std::size_t queries = rows.dimension > 0 ? request.queries.size() / rows.dimension : 0;
  std::size_t indexed = 0;
  bool window_ends_inside = false;
  absl::StatusOr<kernels::SearchResults> results = kernels::SearchResults(queries);
  {
    auto lock = lock_shared();
    indexed = index_->indexed_rows();
    // A write after the pin may have synced its rows already: the index answers over them too
    // (they were written before the sync; the pin keeps them where they are).
    rows.rows = std::max(rows.rows, indexed);
    window_ends_inside = request.end_row < rows.rows;
    if (indexed > 0 && !window_ends_inside) results = search_index(rows, request, queries);
  }
  // A window that ends before the rows do (a feed as of a past time) is scanned exactly: a graph
  // walk would spend its beam on the rows past its end (HNSW only filters them out of its
  // answer), and the GPU's scan takes no end.
  if (window_ends_inside) return search_tail(rows, 0, request);
  if (rows.rows == 0) {
    // Nothing to search, but a bad request is still refused as on a table with rows.
    if (absl::Status status = kernels::check_search(request, rows.dimension, /*indexed_rows=*/1);
        !status.ok()) {
      return status;
    }
  }
  if (!results.ok() || indexed == rows.rows) return results;
  auto tail = search_tail(rows, indexed, request);
  if (!tail.ok()) return tail.status();
  merge_tail(*tail, request.k, *results);
  return results;
}

absl::StatusOr<kernels::SearchResults> PostIndex::search_index(
    const kernels::VectorRows& rows, const kernels::SearchRequest& request,
    std::size_t queries) const {
  // A malformed request is searched alone, so that it gets the index's own error.
  const bool well_formed =
      queries > 0 && request.queries.size() == queries * rows.dimension && request.k >= 1 &&
      request.k <= kernels::kMaxTopK &&
      (request.exclude.empty() || request.exclude.size() == queries) &&
      (request.first_rows.empty() || request.first_rows.size() == queries);
  if (!index_->batches_queries() || !well_formed) return index_->search(rows, request);
  return batcher_.search(request, queries, rows,
                         [this](const kernels::VectorRows& batch_rows,
                                const kernels::SearchRequest& batch) {
                           return index_->search(batch_rows, batch);
                         });
}

}  // namespace feedrank::ranker
