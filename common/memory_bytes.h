// Heap bytes that containers hold, counted from their capacities (what is allocated, not just
// used), for the memory breakdown operators size machines by. Estimates of the allocator's view:
// malloc's own headers and rounding are not counted.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace feedrank {

inline std::size_t heap_bytes(const std::string& text) {
  // libstdc++ keeps up to 15 characters inside the string itself.
  return text.capacity() > 15 ? text.capacity() + 1 : 0;
}

template <class T>
std::size_t heap_bytes(const std::vector<T>& items) {
  return items.capacity() * sizeof(T);
}

// An absl flat hash map or set: one slot and one control byte per bucket of its capacity.
template <class Table>
std::size_t table_bytes(const Table& table) {
  return table.capacity() * (sizeof(typename Table::value_type) + 1);
}

// An absl B-tree set or map: values packed in nodes of about 256 bytes, counted as 4/3 of the
// values' size (nodes are between half full and full; filled in order, full).
template <class Tree>
std::size_t btree_bytes(const Tree& tree) {
  return tree.size() * sizeof(typename Tree::value_type) * 4 / 3;
}

}  // namespace feedrank
