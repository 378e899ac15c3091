// Post vectors shared with retrieval: one contiguous row-major matrix, the post id of each row, a
// tombstone bit per row and a "not searchable" bit per row (deleted, or kept out of retrieval by
// its owner: a followers-only post). The matrix holds floats, or halves (RowPrecision::kHalf:
// half the memory, and half the bytes for a scan or a graph walk to read). The retrieval
// backends read a pin's matrix (Pinned::floats() or halves()), row ids and "not searchable"
// bits in place; deleting a post only sets its bits, so row numbers (and any index the backends
// built over them) stay valid. The arrays grow in reserved
// address space (common/stable_array.h): an append never copies the matrix.
//
// Not thread-safe: the owner locks (one writer, or readers). A pin (pin()) lets a reader scan
// the rows that existed when it pinned without the owner's lock, beside the writer: see Pinned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/batch_prefetch.h"
#include "common/grow_aside.h"
#include "common/pages_ahead.h"
#include "common/stable_array.h"
#include "store/records.h"

namespace feedrank::embeddings {

// How a table keeps its rows. kHalf rounds every vector it is given to the nearest halves (IEEE
// binary16, common/half_float.h): text vectors are computed so already (TextEmbedder), so only
// vectors that callers supply lose bits; the store keeps those as given.
enum class RowPrecision { kFloat, kHalf };

class EmbeddingTable {
 public:
  // InvalidArgument for a dimension validate_dimension() rejects.
  static absl::StatusOr<EmbeddingTable> create(int dimension,
                                               RowPrecision precision = RowPrecision::kFloat);

  // Precondition: validate_dimension(dimension) is OK (aborts otherwise).
  explicit EmbeddingTable(int dimension, RowPrecision precision = RowPrecision::kFloat);
  EmbeddingTable(const EmbeddingTable&) = default;
  EmbeddingTable& operator=(const EmbeddingTable&) = default;
  EmbeddingTable(EmbeddingTable&&) = default;
  EmbeddingTable& operator=(EmbeddingTable&&) = default;
  ~EmbeddingTable() { matrix_pages_ahead_.wait(); }

  // A new id appends a row; a known id (deleted or not) overwrites its row and clears its
  // tombstone; its not-searchable bit is set when `searchable` is false (a followers-only post:
  // retrieval never returns it) and cleared otherwise. Returns the row. Precondition:
  // vector.size() == dimension() (aborts otherwise).
  std::size_t upsert(PostId id, std::span<const float> vector, bool searchable = true);
  // Always appends a row, even for a known id: the id's old row (if any) gets a tombstone and
  // the id moves to the new row. A changed vector thus reaches an index that copies rows (FAISS,
  // the GPU) as a new row to add, while the old one is skipped like a deleted post's. Returns
  // the row. Precondition: vector.size() == dimension() (aborts otherwise).
  std::size_t append(PostId id, std::span<const float> vector, bool searchable = true);
  // Sets the row's tombstone (and so its not-searchable bit); false when the id is unknown or
  // already deleted.
  bool remove(PostId id);
  // Makes room for `rows` rows without further growth (a bulk load that knows its size).
  void reserve(std::size_t rows);
  // Moves the rows of `ids` to the front, in that order, the others after them in their order;
  // each row keeps its values and bits. False, and nothing changes, when an id is unknown or
  // named twice. For the start-up only (it renumbers rows, so no index or pin may exist yet): a
  // replay fills the table in post id order, but a saved index holds the rows in the order the
  // live server wrote them.
  bool put_first(std::span<const PostId> ids);

  // The rows [0, rows()) as they are when pinned, readable without the owner's lock for as long
  // as the pin lives (a search's scan, an indexer's step), while the writer goes on: it appends
  // rows past them and sets bits (deletes) atomically, which a scan reads with
  // kernels::tombstone_word(). The two writes that would change what a pin reads wait for every
  // pin to go: a growth past the reservation (it may move the storage) and the overwrite of an
  // existing row (upsert of a known id). Pin under the owner's readers' lock, and never wait for
  // that lock while holding a pin: its writer may be waiting for the pin.
  class Pinned {
   public:
    int dimension() const { return dimension_; }
    std::size_t rows() const { return rows_; }
    // The matrix, rows() x dimension(): floats, or halves; the other is null (both when empty).
    const float* floats() const { return rows_ == 0 ? nullptr : floats_; }
    const std::uint16_t* halves() const { return rows_ == 0 ? nullptr : halves_; }
    std::span<const PostId> row_ids() const { return {ids_, rows_}; }
    std::span<const std::uint64_t> unsearchable_words() const { return {unsearchable_, words_}; }

   private:
    friend class EmbeddingTable;
    explicit Pinned(std::shared_mutex& pins) : pin_(pins) {}
    std::shared_lock<std::shared_mutex> pin_;
    int dimension_ = 0;
    std::size_t rows_ = 0;
    const float* floats_ = nullptr;
    const std::uint16_t* halves_ = nullptr;
    const PostId* ids_ = nullptr;
    const std::uint64_t* unsearchable_ = nullptr;
    std::size_t words_ = 0;
  };
  Pinned pin() const;

  // A writer's room for `new_rows` more rows, made before it locks readers out: a copy of the id
  // map grown aside when the rows would rehash it (common/grow_aside.h), and the matrix's next
  // pages backed ahead on another thread (common/pages_ahead.h). Only reads the table.
  class Room {
    friend class EmbeddingTable;
    std::optional<GrownAsideMap<PostId, std::size_t>> row_by_id_;
  };
  Room make_room(std::size_t new_rows) const;
  // Under the writer's exclusive lock, before the rows' upserts: swaps the grown map in; `room`
  // then holds the old one, to be freed once the lock is released.
  void take_room(Room& room);

  int dimension() const { return dimension_; }
  RowPrecision precision() const { return precision_; }
  std::size_t rows() const { return ids_.size(); }
  std::size_t live_rows() const { return ids_.size() - deleted_rows_; }
  // Calls `read` with the matrix as the table keeps it, rows() x dimension() values row-major:
  // `const float*` or `const std::uint16_t*` (halves), so that one template serves both; null
  // when there are no rows.
  template <class Read>
  decltype(auto) with_values(Read&& read) const {
    const bool empty = rows() == 0;
    return precision_ == RowPrecision::kHalf ? read(empty ? nullptr : halves_.data())
                                             : read(empty ? nullptr : floats_.data());
  }
  // Row r as floats (halves widened, which is exact).
  std::vector<float> row_floats(std::size_t r) const;
  void copy_row(std::size_t r, std::span<float> out) const;
  std::span<const PostId> row_ids() const { return ids_.span(); }
  // The row holding `id`, deleted or not.
  std::optional<std::size_t> row_of(PostId id) const;
  // A hint before upsert() or reading the row of `id` in a batch (common/batch_prefetch.h).
  void prefetch(PostId id, PrefetchStep step) const;
  bool is_deleted(std::size_t r) const;
  // Bit (r % 64) of word (r / 64) is set when row r is deleted; bits past rows() are zero.
  std::span<const std::uint64_t> tombstone_words() const { return tombstones_.span(); }
  // Whether retrieval may return row r: live and upserted as searchable.
  bool is_searchable(std::size_t r) const;
  // Bit (r % 64) of word (r / 64) is set when row r is deleted or not searchable: the rows the
  // retrieval index skips (it takes these as its tombstones). Bits past rows() are zero.
  std::span<const std::uint64_t> unsearchable_words() const { return unsearchable_.span(); }

  // Bytes held: the arrays' written pages (their untouched reservations cost address space
  // only), the matrix's pages backed ahead of its writer, and the id map's capacity.
  std::size_t memory_bytes() const;
  // The id map's share of memory_bytes(): row_ids plus the id -> row hash map.
  std::size_t id_map_bytes() const;

 private:
  // Room for `rows` rows (waiting for the pins when the storage must move).
  void grow_to(std::size_t rows);
  // Row r's values (rounded to halves at kHalf) and not-searchable bit (its tombstone is the
  // caller's).
  void write_row(std::size_t r, std::span<const float> vector, bool searchable);
  // The matrix's array at this table's precision: its capacity, and a reservation, in values.
  std::size_t values_capacity() const;
  void values_reserve(std::size_t values);

  // The pins' lock. A copied or moved table gets its own: no pin may outlive what it pins.
  struct PinLock {
    PinLock() = default;
    PinLock(const PinLock&) {}
    PinLock& operator=(const PinLock&) { return *this; }
    mutable std::shared_mutex mutex;
  };

  int dimension_;
  RowPrecision precision_;
  // Before the arrays, so that an assignment waits for its thread before it replaces them; the
  // destructor waits for it before they are unmapped.
  mutable PagesAhead matrix_pages_ahead_;
  StableArray<float> floats_;           // the matrix at RowPrecision::kFloat, else empty
  StableArray<std::uint16_t> halves_;   // the matrix at RowPrecision::kHalf, else empty
  StableArray<PostId> ids_;
  StableArray<std::uint64_t> tombstones_;
  StableArray<std::uint64_t> unsearchable_;  // tombstones_ | rows upserted as not searchable
  GrownAsideMap<PostId, std::size_t> row_by_id_;
  // Only the writer's make_room() uses it, while readers read row_by_id_ (common/grow_aside.h).
  mutable MapGrower<GrownAsideMap<PostId, std::size_t>> row_by_id_grower_;
  std::size_t deleted_rows_ = 0;
  PinLock pins_;
};

}  // namespace feedrank::embeddings
