// The retrieval index over the corpus's post vectors (ranker/vectors' embedding table), with the
// API's promise kept: an acknowledged post or delete is what the next search sees. One index
// for the life of the process, chosen at start. It takes the table's not-searchable bits as its
// tombstones, so it returns live public posts only.
//
// Two ways to keep up with writes:
// - inline (the default; the learned space's index): each write syncs the rows it added, which
//   takes the index exclusively and so waits for the searches in flight;
// - deferred (defer_indexing(); the engine's post index, whatever the backend): a write only
//   hands over its tombstones, index_step() adds rows later (background_indexer.h calls it), and
//   every search covers the rows not indexed yet with an exact scan of that tail, merged into the
//   index's answer.
// A search whose window ends inside the table (SearchRequest::end_row: a feed as of a past time)
// is the exact scan's alone, whatever the backend.
//
// Locking: every call reads a pin of the table (EmbeddingTable::Pinned), taken under a FeedStore
// snapshot that the caller may then let go: the writer appends and deletes beside the scan or
// the step, which reads the rows pinned (a later write's rows are the next call's; a search also
// gets the rows the index took since its pin). The overloads that take the table pin it
// themselves (their caller holds the owner's lock). The index's own lock lets searches run
// together and a sync run alone; a search holds it only for the index's part, not for the tail
// scan.
#pragma once

#include <atomic>
#include <limits>
#include <memory>
#include <mutex>
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

  // The index's describe(), as of its last sync or replace(): kept aside, since those swap the
  // index it describes (IVF's first training replaces FAISS's inner index), and the feed reads
  // it holding the store's lock, where it must not wait for the index's.
  std::string describe() const;
  // Rows in the index; without waiting for a sync that holds it.
  std::size_t indexed_rows() const { return indexed_rows_.load(std::memory_order_acquire); }
  // Rows of `table` not indexed yet (searched by the tail scan).
  std::size_t lag(const embeddings::EmbeddingTable& table) const { return lag(table.rows()); }
  std::size_t lag(const embeddings::EmbeddingTable::Pinned& table) const {
    return lag(table.rows());
  }
  // The lag as of the last rows handed over (note_rows, note_write), without the table or a
  // lock: for a caller deciding on a thread that must not wait for writers.
  std::size_t last_known_lag() const { return lag(known_rows()); }
  // The table's rows as of the last rows handed over (the same source).
  std::size_t known_rows() const { return known_rows_.load(std::memory_order_acquire); }
  // The table holds `rows` rows now (never fewer than a count noted before).
  void note_rows(std::size_t rows);
  // Whether adding rows costs the backend real time (VectorIndex::copies_rows), so that it is
  // worth deferring. Read once, as the two below: replace() swaps in an index of the same kind.
  bool worth_deferring() const { return worth_deferring_; }
  // Whether a search of the index part costs a fraction of a millisecond whatever the corpus
  // (VectorIndex::searches_are_quick).
  bool quick_to_search() const { return quick_to_search_; }
  // The index's own host memory (VectorIndex::memory_bytes).
  std::size_t memory_bytes() const;

  // Saves the index for the next start (see saved_index.h).
  absl::Status save(const embeddings::EmbeddingTable& table, const std::string& path) const;

  // Indexes every row of `table` and takes the current not-searchable bits (deleted or
  // followers-only) as its tombstones. When it fails (INTERNAL, e.g. out of device memory) the
  // next search tries again before searching. Searches wait while it holds the index, so it
  // adds at most `rows_per_lock` rows at a time (an HNSW insertion costs about a millisecond).
  // IVF trains on the rows of the step that reaches its training size.
  absl::Status sync(const embeddings::EmbeddingTable& table,
                    std::size_t rows_per_lock = std::numeric_limits<std::size_t>::max());
  // The same on a pin, without the table owner's lock: it waits for the searches in flight
  // (they hold the index), not the writers.
  absl::Status sync(const embeddings::EmbeddingTable::Pinned& table, std::size_t rows_per_lock);

  // From now on writes do not add rows (see the top of this file).
  void defer_indexing() { deferred_ = true; }
  bool deferred() const { return deferred_; }
  // After a write, under the writer's snapshot: inline, syncs its rows `rows_per_lock` at a
  // time; deferred, only takes the tombstones (a device copy needs them; FAISS reads them from
  // the table at search time).
  absl::Status note_write(const embeddings::EmbeddingTable& table, std::size_t rows_per_lock);
  absl::Status note_write(const embeddings::EmbeddingTable::Pinned& table,
                          std::size_t rows_per_lock);
  // Deferred: adds up to `max_rows` of the rows not indexed yet, holding the index meanwhile.
  // Returns how many it added (0: caught up).
  absl::StatusOr<std::size_t> index_step(const embeddings::EmbeddingTable& table,
                                         std::size_t max_rows) {
    return index_step(table.pin(), max_rows);
  }
  // The same on a pin, without the table owner's lock (the background indexer).
  absl::StatusOr<std::size_t> index_step(const embeddings::EmbeddingTable::Pinned& table,
                                         std::size_t max_rows);

  // Whether the index was fitted to a much smaller corpus than the table's (IVF lists trained on
  // a quarter of its rows or fewer: VectorIndex::outgrown), and an empty index of its kind to
  // build in its place; null when it has no need.
  bool outgrown(const embeddings::EmbeddingTable& table) const { return outgrown(table.rows()); }
  bool outgrown(const embeddings::EmbeddingTable::Pinned& table) const {
    return outgrown(table.rows());
  }
  std::unique_ptr<kernels::VectorIndex> make_empty() const;
  // Swaps in `fresh`, built aside over the table's first rows (those after it are the tail
  // scan's until indexed); returns the old index, to be freed after the caller's locks.
  std::unique_ptr<kernels::VectorIndex> replace(std::unique_ptr<kernels::VectorIndex> fresh);

  // Results by score, ties by smaller id, among the pinned rows; empty lists when there are
  // none. On an index that batches queries, concurrent callers are searched together
  // (search_batcher.h). A request whose end row falls inside the table is answered by the exact
  // scan of its window, whatever the backend (see SearchRequest::end_row).
  absl::StatusOr<kernels::SearchResults> search(const embeddings::EmbeddingTable::Pinned& table,
                                                const kernels::SearchRequest& request) const;
  // The same on the table as it is (the caller holds its readers' lock).
  absl::StatusOr<kernels::SearchResults> search(const embeddings::EmbeddingTable& table,
                                                const kernels::SearchRequest& request) const;

 private:
  std::size_t lag(std::size_t table_rows) const;
  bool outgrown(std::size_t table_rows) const;
  // Syncs the first `rows` rows of the table (and all of its tombstones).
  absl::Status sync_locked(kernels::VectorRows table, std::size_t rows) const;
  // The index's part of a search (every row when inline and up to date).
  absl::StatusOr<kernels::SearchResults> search_index(const kernels::VectorRows& rows,
                                                      const kernels::SearchRequest& request,
                                                      std::size_t queries) const;

  // The index's lock, taken through a turnstile: a sync waiting for it stops new searches at the
  // turnstile, so that searches whose holds always overlap cannot keep it out (glibc's
  // readers-writer lock prefers readers), and the searches it stopped go next.
  std::unique_lock<std::shared_mutex> lock_exclusive() const;
  std::shared_lock<std::shared_mutex> lock_shared() const;

  // Sets description_ from the index; under the index's lock or before it is shared.
  void note_description() const;

  // Mutable so that a const search can finish a sync that failed earlier.
  std::unique_ptr<kernels::VectorIndex> index_;
  mutable std::mutex description_mutex_;
  mutable std::string description_;
  const bool quick_to_search_;
  const bool worth_deferring_;
  const bool mirrors_tombstones_;  // VectorIndex::mirrors_tombstones
  mutable std::shared_mutex mutex_;
  mutable std::mutex turnstile_;
  mutable std::atomic<std::size_t> indexed_rows_{0};  // index_->indexed_rows() after each sync
  std::atomic<std::size_t> known_rows_{0};             // the most rows note_rows() was told of
  mutable std::atomic<bool> stale_{false};
  std::atomic<bool> deferred_{false};
  mutable SearchBatcher batcher_;
};

}  // namespace feedrank::ranker
