// Transparent huge pages for large arrays read in random order: the post vectors an HNSW walk or
// a feed's candidates visit row by row, and the HNSW graph's neighbour lists. With 4 KB pages
// nearly every row visited at 1M rows misses the TLB as well as the cache; 2 MB pages took
// about a fifth off an HNSW walk there (benchmarks/RESULTS.md, 2026-12-02). Debian's kernels
// give huge pages only to memory that asks for them (transparent_hugepage=madvise).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

namespace feedrank {

// Smaller arrays are not worth it: a 2 MB page would be mostly empty.
inline constexpr std::size_t kHugePagesWorthyBytes = std::size_t{32} << 20;

// Asks the kernel to back the whole pages inside [data, data + bytes) with huge pages: pages
// faulted in later come as 2 MB pages, those already there are merged by khugepaged over time.
// A hint: nothing happens where huge pages are off.
inline void advise_huge_pages(const void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto start = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t begin = (start + page - 1) / page * page;
  const std::uintptr_t end = (start + bytes) / page * page;
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#endif
}

}  // namespace feedrank
