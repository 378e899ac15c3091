#include "common/faulted_in_allocator.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace feedrank {
namespace {

// Pages of [data, data + bytes) the kernel does not back yet.
std::size_t missing_pages(const void* data, std::size_t bytes) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<std::uintptr_t>(data) / page * page;
  const std::size_t pages = (reinterpret_cast<std::uintptr_t>(data) + bytes - begin + page - 1) / page;
  std::vector<unsigned char> resident(pages);
  EXPECT_EQ(::mincore(reinterpret_cast<void*>(begin), pages * page, resident.data()), 0);
  std::size_t missing = 0;
  for (unsigned char flags : resident) missing += (flags & 1) == 0 ? 1 : 0;
  return missing;
}

TEST(FaultedInAllocator, ALargeBlockComesWithEveryPageBacked) {
  // Past glibc's largest mmap threshold (32 MB), so the block is fresh memory, never touched.
  constexpr std::size_t kBytes = std::size_t{64} << 20;
  FaultedInAllocator<std::uint64_t> allocator;
  const std::size_t n = kBytes / sizeof(std::uint64_t);
  std::uint64_t* block = allocator.allocate(n);
  EXPECT_EQ(missing_pages(block, kBytes), 0u);
  block[0] = 1;
  block[n - 1] = 2;  // the whole block is usable
  EXPECT_EQ(block[0] + block[n - 1], 3u);
  allocator.deallocate(block, n);
}

TEST(FaultedInAllocator, RebindsAndComparesEqualAsAStatelessAllocator) {
  const FaultedInAllocator<std::uint64_t> words;
  const FaultedInAllocator<char> bytes(words);
  EXPECT_TRUE(FaultedInAllocator<char>(words) == bytes);
  FaultedInAllocator<char> small;
  char* block = small.allocate(100);
  block[99] = 'x';
  EXPECT_EQ(block[99], 'x');
  small.deallocate(block, 100);
}

}  // namespace
}  // namespace feedrank
