// An allocator for the large hash tables a writer grows aside (common/grow_aside.h): a block of
// 1 MB or more is advised huge pages and faulted in at once, page after page, before the table
// is filled. Left to the inserts, a fresh table is faulted in at random, one page per miss:
// copying 917k ids into a new table took 106 ms that way against 26-42 ms for the faults in
// address order plus the copy (2-core dev VM; benchmarks/RESULTS.md, 2026-12-05). The copy
// holds up every write behind it, so this is write latency, not throughput.
#pragma once

#include <cstddef>
#include <memory>

#include "common/huge_pages.h"

namespace feedrank {

// Smaller blocks are left to be faulted in as they are written.
inline constexpr std::size_t kFaultInWorthyBytes = std::size_t{1} << 20;

// Writes one byte in every page of [data, data + bytes), the last byte included (a block need
// not start on a page): the kernel backs them all now.
inline void fault_in(void* data, std::size_t bytes) {
  if (bytes == 0) return;
  constexpr std::size_t kSmallestPage = 4096;
  volatile char* byte = static_cast<char*>(data);
  for (std::size_t offset = 0; offset < bytes; offset += kSmallestPage) byte[offset] = 0;
  byte[bytes - 1] = 0;
}

template <class T>
class FaultedInAllocator {
 public:
  using value_type = T;

  FaultedInAllocator() = default;
  template <class U>
  FaultedInAllocator(const FaultedInAllocator<U>& /*other*/) noexcept {}  // NOLINT: rebinding

  T* allocate(std::size_t n) {
    T* block = std::allocator<T>{}.allocate(n);
    const std::size_t bytes = n * sizeof(T);
    if (bytes >= kFaultInWorthyBytes) {
      advise_huge_pages(block, bytes);
      fault_in(block, bytes);
    }
    return block;
  }
  void deallocate(T* block, std::size_t n) noexcept { std::allocator<T>{}.deallocate(block, n); }

  friend bool operator==(const FaultedInAllocator&, const FaultedInAllocator&) { return true; }
};

}  // namespace feedrank
