// Growing a hash map without stalling its readers. An insert that crosses an absl map's load
// limit rehashes the whole map in place (120-200 ms for 2M keys on the 2-core dev VM), and a
// writer does that while it holds the lock its readers wait on. Instead, before taking that lock,
// the writer builds a copy with room for its batch (it only reads the map, as its readers do,
// and no other writer runs), swaps the copy in under the lock (a pointer swap), and frees the
// old table after releasing it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>

namespace feedrank {

// A copy of `map` with room for `more` keys, or none when that many inserts would not rehash it
// (absl maps grow past 7/8 of their capacity).
template <class Map>
std::optional<Map> grown_copy(const Map& map, std::size_t more) {
  const std::size_t capacity = map.capacity();
  if (more == 0 || map.size() + more <= capacity - capacity / 8) return std::nullopt;
  Map grown;
  grown.reserve(std::max(2 * map.size(), map.size() + more));
  grown.insert(map.begin(), map.end());
  return grown;
}

// Under the lock: swaps in the copy grown_copy() made, if any; `grown` then holds the old table,
// for the caller to free once the lock is released.
template <class Map>
void take_grown(Map& map, std::optional<Map>& grown) {
  if (grown.has_value()) map.swap(*grown);
}

}  // namespace feedrank
