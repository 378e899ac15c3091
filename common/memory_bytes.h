// Heap bytes that containers hold, counted from their capacities (what is allocated, not just
// used), for the memory breakdown operators size machines by. Estimates of the allocator's view:
// malloc's own headers and rounding are not counted.
#pragma once

#include <cstddef>
#include <deque>
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

template <class T>
std::size_t heap_bytes(const std::deque<T>& items) {
  return items.size() * sizeof(T);
}

// An absl flat hash map or set: one slot and one control byte per bucket of its capacity.
template <class Table>
std::size_t table_bytes(const Table& table) {
  return table.capacity() * (sizeof(typename Table::value_type) + 1);
}

// A node-based std::set or std::map: each element in a node with three pointers and a colour.
template <class Tree>
std::size_t tree_bytes(const Tree& tree) {
  return tree.size() * (sizeof(typename Tree::value_type) + 4 * sizeof(void*));
}

}  // namespace feedrank
