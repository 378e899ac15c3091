#include "embeddings/embedding_table.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "common/grow_aside.h"
#include "common/half_float.h"
#include "embeddings/vector_dimension.h"

namespace feedrank::embeddings {
namespace {

constexpr std::size_t kBitsPerWord = 64;

// A wrong-sized vector would read or write past a row: fail loudly in every build type.
void check_or_abort(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "EmbeddingTable: precondition failed: %s\n", what);
    std::abort();
  }
}

// Bit operations on a word that pinned scans read meanwhile (kernels::tombstone_word()).
void set_bit(std::uint64_t& word, std::uint64_t bit) {
  __atomic_fetch_or(&word, bit, __ATOMIC_RELAXED);
}
void clear_bit(std::uint64_t& word, std::uint64_t bit) {
  __atomic_fetch_and(&word, ~bit, __ATOMIC_RELAXED);
}

}  // namespace

absl::StatusOr<EmbeddingTable> EmbeddingTable::create(int dimension, RowPrecision precision) {
  if (absl::Status status = validate_dimension(dimension); !status.ok()) return status;
  return EmbeddingTable(dimension, precision);
}

EmbeddingTable::EmbeddingTable(int dimension, RowPrecision precision)
    : dimension_(dimension), precision_(precision) {
  check_or_abort(validate_dimension(dimension).ok(), "valid dimension");
}

std::size_t EmbeddingTable::upsert(PostId id, std::span<const float> vector, bool searchable) {
  check_or_abort(vector.size() == static_cast<std::size_t>(dimension_),
                 "vector.size() == dimension()");
  const auto [it, inserted] = row_by_id_.try_emplace(id, ids_.size());
  const std::size_t r = it->second;
  if (inserted) {
    grow_to(r + 1);
    ids_.push_back(id);
    write_row(r, vector, searchable);
    return r;
  }
  // A pinned scan may be reading the row.
  std::unique_lock no_pins(pins_.mutex);
  if (is_deleted(r)) {
    clear_bit(tombstones_[r / kBitsPerWord], std::uint64_t{1} << (r % kBitsPerWord));
    --deleted_rows_;
  }
  write_row(r, vector, searchable);
  return r;
}

std::size_t EmbeddingTable::append(PostId id, std::span<const float> vector, bool searchable) {
  check_or_abort(vector.size() == static_cast<std::size_t>(dimension_),
                 "vector.size() == dimension()");
  remove(id);
  const std::size_t r = ids_.size();
  grow_to(r + 1);
  ids_.push_back(id);
  row_by_id_[id] = r;
  write_row(r, vector, searchable);
  return r;
}

void EmbeddingTable::write_row(std::size_t r, std::span<const float> vector, bool searchable) {
  const std::uint64_t bit = std::uint64_t{1} << (r % kBitsPerWord);
  if (searchable) {
    clear_bit(unsearchable_[r / kBitsPerWord], bit);
  } else {
    set_bit(unsearchable_[r / kBitsPerWord], bit);
  }
  const std::size_t at = r * static_cast<std::size_t>(dimension_);
  if (precision_ == RowPrecision::kHalf) {
    half_bits_of(vector, std::span(halves_.data() + at, vector.size()));
  } else {
    std::copy(vector.begin(), vector.end(), floats_.data() + at);
  }
}

bool EmbeddingTable::remove(PostId id) {
  const auto it = row_by_id_.find(id);
  if (it == row_by_id_.end() || is_deleted(it->second)) return false;
  const std::size_t r = it->second;
  set_bit(tombstones_[r / kBitsPerWord], std::uint64_t{1} << (r % kBitsPerWord));
  set_bit(unsearchable_[r / kBitsPerWord], std::uint64_t{1} << (r % kBitsPerWord));
  ++deleted_rows_;
  return true;
}

void EmbeddingTable::reserve(std::size_t rows) {
  std::unique_lock no_pins(pins_.mutex);
  values_reserve(rows * dimension_);
  ids_.reserve(rows);
  tombstones_.reserve((rows + kBitsPerWord - 1) / kBitsPerWord);
  unsearchable_.reserve((rows + kBitsPerWord - 1) / kBitsPerWord);
  row_by_id_.reserve(rows);
}

bool EmbeddingTable::put_first(std::span<const PostId> ids) {
  if (ids.size() <= rows() && std::equal(ids.begin(), ids.end(), ids_.data())) return true;
  std::vector<std::size_t> order;  // old row of each new row
  order.reserve(rows());
  std::vector<bool> placed(rows(), false);
  for (const PostId id : ids) {
    const std::optional<std::size_t> r = row_of(id);
    if (!r || placed[*r]) return false;
    placed[*r] = true;
    order.push_back(*r);
  }
  for (std::size_t r = 0; r < rows(); ++r) {
    if (!placed[r]) order.push_back(r);
  }
  EmbeddingTable arranged(dimension_, precision_);
  arranged.reserve(rows());
  arranged.grow_to(rows());
  const auto d = static_cast<std::size_t>(dimension_);
  for (std::size_t to = 0; to < order.size(); ++to) {
    const std::size_t from = order[to];
    if (precision_ == RowPrecision::kHalf) {
      std::copy_n(halves_.data() + from * d, d, arranged.halves_.data() + to * d);
    } else {
      std::copy_n(floats_.data() + from * d, d, arranged.floats_.data() + to * d);
    }
    arranged.ids_.push_back(ids_[from]);
    arranged.row_by_id_[ids_[from]] = to;
    const std::uint64_t bit = std::uint64_t{1} << (to % kBitsPerWord);
    if (is_deleted(from)) set_bit(arranged.tombstones_[to / kBitsPerWord], bit);
    if (!is_searchable(from)) set_bit(arranged.unsearchable_[to / kBitsPerWord], bit);
  }
  arranged.deleted_rows_ = deleted_rows_;
  *this = std::move(arranged);
  return true;
}

EmbeddingTable::Room EmbeddingTable::make_room(std::size_t new_rows) const {
  const std::size_t values = (rows() + new_rows) * static_cast<std::size_t>(dimension_);
  if (precision_ == RowPrecision::kHalf) {
    matrix_pages_ahead_.before_growth(halves_, values);
  } else {
    matrix_pages_ahead_.before_growth(floats_, values);
  }
  Room room;
  room.row_by_id_ = row_by_id_grower_.grown_copy(row_by_id_, new_rows);
  return room;
}

void EmbeddingTable::take_room(Room& room) { take_grown(row_by_id_, room.row_by_id_); }

void EmbeddingTable::grow_to(std::size_t rows) {
  const std::size_t words = (rows + kBitsPerWord - 1) / kBitsPerWord;
  const std::size_t values = rows * dimension_;
  const bool moves = values_capacity() < values || ids_.capacity() < rows ||
                     tombstones_.capacity() < words || unsearchable_.capacity() < words;
  std::unique_lock<std::shared_mutex> no_pins;
  if (moves) {
    matrix_pages_ahead_.wait();
    no_pins = std::unique_lock(pins_.mutex);
    ids_.reserve(rows);
  }
  if (precision_ == RowPrecision::kHalf) {
    halves_.resize(values);
  } else {
    floats_.resize(values);
  }
  if (tombstones_.size() < words) tombstones_.resize(words);
  if (unsearchable_.size() < words) unsearchable_.resize(words);
}

EmbeddingTable::Pinned EmbeddingTable::pin() const {
  Pinned pinned(pins_.mutex);
  pinned.dimension_ = dimension_;
  pinned.rows_ = rows();
  pinned.floats_ = floats_.data();
  pinned.halves_ = halves_.data();
  pinned.ids_ = ids_.data();
  pinned.unsearchable_ = unsearchable_.data();
  pinned.words_ = unsearchable_.size();
  return pinned;
}

void EmbeddingTable::copy_row(std::size_t r, std::span<float> out) const {
  check_or_abort(out.size() == static_cast<std::size_t>(dimension_), "out.size() == dimension()");
  const std::size_t at = r * static_cast<std::size_t>(dimension_);
  if (precision_ == RowPrecision::kHalf) {
    floats_of_half_bits(halves_.span().subspan(at, out.size()), out);
  } else {
    std::copy_n(floats_.data() + at, out.size(), out.begin());
  }
}

std::vector<float> EmbeddingTable::row_floats(std::size_t r) const {
  std::vector<float> out(static_cast<std::size_t>(dimension_));
  copy_row(r, out);
  return out;
}

std::size_t EmbeddingTable::values_capacity() const {
  return precision_ == RowPrecision::kHalf ? halves_.capacity() : floats_.capacity();
}

void EmbeddingTable::values_reserve(std::size_t values) {
  matrix_pages_ahead_.wait();  // the matrix may move
  if (precision_ == RowPrecision::kHalf) {
    halves_.reserve(values);
  } else {
    floats_.reserve(values);
  }
}

void EmbeddingTable::prefetch(PostId id, PrefetchStep step) const {
  if (step == PrefetchStep::kSlots) {
    row_by_id_.prefetch(id);
    return;
  }
  const auto it = row_by_id_.find(id);
  if (it == row_by_id_.end()) return;  // a new post: its row is appended
  const std::size_t at = it->second * static_cast<std::size_t>(dimension_);
  const std::size_t values = static_cast<std::size_t>(dimension_);
  if (precision_ == RowPrecision::kHalf) {
    prefetch_bytes(halves_.data() + at, values * sizeof(std::uint16_t));
  } else {
    prefetch_bytes(floats_.data() + at, values * sizeof(float));
  }
}

std::optional<std::size_t> EmbeddingTable::row_of(PostId id) const {
  const auto it = row_by_id_.find(id);
  if (it == row_by_id_.end()) return std::nullopt;
  return it->second;
}

bool EmbeddingTable::is_deleted(std::size_t r) const {
  return (tombstones_[r / kBitsPerWord] >> (r % kBitsPerWord)) & 1;
}

bool EmbeddingTable::is_searchable(std::size_t r) const {
  return ((unsearchable_[r / kBitsPerWord] >> (r % kBitsPerWord)) & 1) == 0;
}

std::size_t EmbeddingTable::id_map_bytes() const {
  // Swiss tables hold one slot plus one control byte per bucket, plus a group of sentinel
  // control bytes.
  constexpr std::size_t kSlotBytes = sizeof(decltype(row_by_id_)::value_type) + 1;
  const std::size_t capacity = row_by_id_.capacity();
  const std::size_t map_bytes = capacity == 0 ? 0 : capacity * kSlotBytes + 16;
  return ids_.resident_bytes() + map_bytes;
}

std::size_t EmbeddingTable::memory_bytes() const {
  const std::size_t matrix = floats_.resident_bytes() + halves_.resident_bytes();
  const void* matrix_data = precision_ == RowPrecision::kHalf
                                ? static_cast<const void*>(halves_.data())
                                : static_cast<const void*>(floats_.data());
  return sizeof(*this) + matrix + matrix_pages_ahead_.backed_past(matrix_data, matrix) +
         tombstones_.resident_bytes() + unsearchable_.resident_bytes() + id_map_bytes();
}

}  // namespace feedrank::embeddings
