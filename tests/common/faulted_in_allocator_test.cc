#include "common/faulted_in_allocator.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tests/common/resident_pages.h"

namespace feedrank {
namespace {

using testing::missing_pages;

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
