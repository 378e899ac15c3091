// Growing a hash map without stalling its readers. An insert that crosses an absl map's load
// limit rehashes the whole map in place (120-200 ms for 2M keys on the 2-core dev VM), and a
// writer does that while it holds the lock its readers wait on. Instead, before taking that lock,
// the writer builds a copy with room for its batch (it only reads the map, as its readers do,
// and no other writer runs), swaps the copy in under the lock (a pointer swap), and frees the
// old table after releasing it.
//
// The copy still holds up the writes behind it, and most of its time was the kernel faulting in
// the new table page by page as the keys landed (on a 458k-key map 62 ms of copy, 7 of them
// inserting). So a GrownAsideMap's large tables come faulted in (common/faulted_in_allocator.h),
// and a MapGrower has its next table allocated ahead, on a thread of its own.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <future>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "common/faulted_in_allocator.h"

namespace feedrank {

template <class Key, class Value>
using GrownAsideMap = absl::flat_hash_map<Key, Value, absl::Hash<Key>, std::equal_to<Key>,
                                          FaultedInAllocator<std::pair<const Key, Value>>>;

// How many keys a table of `capacity` slots takes before an insert rehashes it (absl maps grow
// past 7/8 of their capacity).
inline std::size_t keys_before_growth(std::size_t capacity) { return capacity - capacity / 8; }

// Whether inserting `more` new keys would rehash `map`.
template <class Map>
bool would_rehash(const Map& map, std::size_t more) {
  return more > 0 && map.size() + more > keys_before_growth(map.capacity());
}

// A copy of `map` with room for `more` keys, or none when that many inserts would not rehash it.
// The copy is made in `table` (an empty map, maybe with room already).
template <class Map>
std::optional<Map> grown_copy(const Map& map, std::size_t more, Map table = Map()) {
  if (!would_rehash(map, more)) return std::nullopt;
  table.reserve(std::max(2 * map.size(), map.size() + more));
  table.insert(map.begin(), map.end());
  return table;
}

// Under the lock: swaps in the copy grown_copy() made, if any; `grown` then holds the old table,
// for the caller to free once the lock is released.
template <class Map>
void take_grown(Map& map, std::optional<Map>& grown) {
  if (grown.has_value()) map.swap(*grown);
}

// grown_copy() for one large map, with its next table made ahead: once the map is three
// quarters of the way to its next growth, another thread allocates an empty table of twice its
// capacity (faulted in, with a GrownAsideMap), and the growth copies the keys into it. The
// thread touches no shared state. Only the map's one writer calls it.
template <class Map>
class MapGrower {
 public:
  MapGrower() = default;
  // The table ahead is spare memory, not state: a copy starts without one.
  MapGrower(const MapGrower& /*other*/) {}
  MapGrower& operator=(const MapGrower& other) {
    if (this != &other) table_ahead_ = {};
    return *this;
  }
  MapGrower(MapGrower&&) noexcept = default;
  MapGrower& operator=(MapGrower&&) noexcept = default;
  ~MapGrower() = default;

  std::optional<Map> grown_copy(const Map& map, std::size_t more) {
    if (would_rehash(map, more)) return feedrank::grown_copy(map, more, take_table_ahead());
    const std::size_t limit = keys_before_growth(map.capacity());
    if (!table_ahead_.valid() && map.size() + more > limit / 4 * 3 && worth_making_ahead(map)) {
      make_table_ahead(2 * limit);
    }
    return std::nullopt;
  }

  // A table is being made, or is ready, for the next growth.
  bool has_table_ahead() const { return table_ahead_.valid(); }

 private:
  // Small tables are made faster than a thread is started.
  static bool worth_making_ahead(const Map& map) {
    return 2 * map.capacity() * sizeof(typename Map::value_type) >= kFaultInWorthyBytes;
  }

  void make_table_ahead(std::size_t keys) {
    try {
      table_ahead_ = std::async(std::launch::async, [keys] {
        Map table;
        table.reserve(keys);
        return table;
      });
    } catch (const std::system_error&) {
      // No thread to be had: the growth allocates its table itself.
    }
  }

  Map take_table_ahead() {
    if (!table_ahead_.valid()) return Map();
    try {
      return table_ahead_.get();
    } catch (const std::bad_alloc&) {
      return Map();  // the growth tries again, and fails there as it would have
    }
  }

  std::future<Map> table_ahead_;
};

}  // namespace feedrank
