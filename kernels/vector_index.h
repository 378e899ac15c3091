// Top-k nearest-neighbour search by inner product, behind one interface for every backend (the
// CPU exact scan, FAISS flat/HNSW/IVF, the GPU). Knows nothing of posts or users: only a matrix,
// the 64-bit id of each row and a tombstone bit per row.
//
// The matrix belongs to the caller (ranker's embedding table) and is append-only: rows are added
// at the end and deleted by setting their tombstone bit; an indexed row never changes. A backend
// reads it in place at search time (the CPU exact scan; HNSW walks its graph over these rows)
// and/or keeps its own structure built from it (a graph, lists, the GPU's device copy) that
// sync() brings up to date incrementally.
//
// Thread safety: search() is const and may run concurrently with other searches; sync() must
// not run concurrently with anything (the caller holds its writer lock).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace feedrank::kernels {

using VectorId = std::uint64_t;

inline constexpr int kMaxTopK = 1024;

// A read-only view of the caller's matrix.
struct VectorRows {
  const float* data = nullptr;  // rows x dimension floats, row-major; null when `halves` is set
  std::size_t rows = 0;
  int dimension = 0;
  const VectorId* ids = nullptr;  // one per row
  // Bit (r % 64) of word (r / 64) is set when row r is deleted; (rows + 63) / 64 words. The
  // owner may set bits while a search runs (a delete lands): read them with tombstone_word().
  const std::uint64_t* tombstone_words = nullptr;
  // The matrix at half precision (IEEE binary16 bits, common/half_float.h), in place of `data`,
  // when its owner keeps it so (half the bytes to hold and to scan). Backends that read rows in
  // place (the exact scan, HNSW) read the halves; those that copy rows widen them (exactly).
  const std::uint16_t* halves = nullptr;
};

// Calls `read` with the matrix's values, `const float*` or `const std::uint16_t*`, so that one
// template serves both precisions.
template <class Read>
decltype(auto) with_row_values(const VectorRows& rows, Read&& read) {
  return rows.halves != nullptr ? read(rows.halves) : read(rows.data);
}

// Rows [first, end) as floats into `out` ((end - first) x dimension): copied, or halves widened.
void copy_rows_as_floats(const VectorRows& rows, std::size_t first, std::size_t end, float* out);
// Rows [first, end) as floats for a reader that needs floats: the matrix's own, in place, or
// halves widened into `widened` (valid while it is).
const float* floats_of_rows(const VectorRows& rows, std::size_t first, std::size_t end,
                            std::vector<float>& widened);

// Word w of rows.tombstone_words, read atomically: a bit set meanwhile is seen or not, never torn.
inline std::uint64_t tombstone_word(const VectorRows& rows, std::size_t w) {
  return __atomic_load_n(rows.tombstone_words + w, __ATOMIC_RELAXED);
}

struct Neighbor {
  VectorId id = 0;
  float score = 0.0f;  // inner product of query and row
  friend bool operator==(const Neighbor&, const Neighbor&) = default;
};

struct SearchRequest {
  std::span<const float> queries;  // count x dimension floats, row-major
  int k = 10;                      // 1..kMaxTopK
  // Empty, or one list per query of ids that must not appear in that query's results (posts the
  // viewer has seen, their own posts).
  std::span<const std::vector<VectorId>> exclude;
  // A hint: rows before this one hold nothing the caller wants (e.g. posts older than an age
  // window, rows being appended in time order). The exact scan skips them; indexes that find
  // neighbours without scanning may still return them, so callers filter as well.
  std::size_t first_row = 0;
  // Empty, or one first row per query instead of `first_row` (queries of several callers searched
  // together). The exact scans (CPU and GPU) honour each; other backends treat them, too, as hints.
  std::span<const std::size_t> first_rows;
  // The other end of the window: rows from this one on hold nothing the caller wants (posts
  // created after the time a feed is asked as of, rows being appended in time order). The CPU
  // exact scan and FAISS's flat and IVF indexes honour it; HNSW only leaves those rows out of its
  // answer (its walk may still spend its beam on them) and the GPU ignores it, so callers that
  // need the window whole scan it exactly (ranker's PostIndex does) or filter.
  // One end for every query: callers searched together share no end (ranker's batcher searches a
  // request with an end alone).
  std::size_t end_row = std::numeric_limits<std::size_t>::max();
  // When the caller stops waiting (its request's deadline): past it, search() gives
  // DEADLINE_EXCEEDED instead of an answer nobody reads. Every backend looks before it begins;
  // the CPU exact scan also between chunks of rows (about 4,000 rows: a tenth of a millisecond
  // for one query at d = 128, more for a batch), so that a long scan is abandoned, not finished.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

// One list per query, best first: score descending, ties by smaller id (within the list: FAISS's
// flat and IVF keep the earlier row where equal scores share the k-th place). Fewer than k
// entries when fewer live, non-excluded rows exist.
using SearchResults = std::vector<std::vector<Neighbor>>;

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;

  // Which backend and settings, for logs and benchmark tables, e.g. "cpu-exact (avx2)".
  virtual std::string describe() const = 0;

  // Indexes rows [indexed_rows(), rows.rows) and takes the current tombstones.
  // INVALID_ARGUMENT for a dimension other than the index's or fewer rows than already indexed;
  // INTERNAL (with the library's message) when the backend fails, e.g. out of device memory.
  virtual absl::Status sync(const VectorRows& rows) = 0;
  virtual std::size_t indexed_rows() const = 0;

  // `rows` is the matrix as last synced. INVALID_ARGUMENT, naming the field, for k outside
  // 1..kMaxTopK, a query size that is not a multiple of the dimension (or zero queries), a
  // NaN or infinite query value, or an exclude list count other than 0 or the query count;
  // FAILED_PRECONDITION when nothing is indexed yet; DEADLINE_EXCEEDED past request.deadline.
  virtual absl::StatusOr<SearchResults> search(const VectorRows& rows,
                                               const SearchRequest& request) const = 0;

  // Whether a search of many queries costs far less than one search per query (the matrix is
  // read once per batch) while each query gets what it would get alone: then the queries of
  // concurrent callers are worth searching together (ranker/retrieval/search_batcher.h).
  virtual bool batches_queries() const { return false; }
  // Whether a search reads a small part of the index whatever its size (a graph walk: a fraction
  // of a millisecond at a million rows), so that a server may run it on a thread that must not
  // be held up long.
  virtual bool searches_are_quick() const { return false; }

  // Whether sync() builds a structure of its own from the rows (a graph, lists, a device copy),
  // so that indexing takes time worth moving off the write path (ranker/retrieval/post_index.h).
  // False for a scan that reads the caller's matrix in place.
  virtual bool copies_rows() const { return true; }
  // Whether search() uses the tombstones of the last sync() (a device copy) rather than those
  // of the `rows` it is given: then a delete is seen only after a sync.
  virtual bool mirrors_tombstones() const { return false; }

  // Whether the index was fitted to a corpus much smaller than `rows` (IVF: its lists were
  // trained when a quarter of them or fewer existed) and an index built afresh would serve
  // better; make_empty() then gives the one to build (the background indexer does, aside).
  virtual bool outgrown(std::size_t /*rows*/) const { return false; }
  // A new index of this kind and settings, with nothing indexed.
  virtual std::unique_ptr<VectorIndex> make_empty() const { return nullptr; }

  // Host memory the index holds beyond the caller's matrix (a graph, lists, a copy of the rows);
  // 0 for a scan that reads the matrix in place. Device memory is not counted.
  virtual std::size_t memory_bytes() const { return 0; }
};

}  // namespace feedrank::kernels
