#include "common/pages_ahead.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "tests/common/resident_pages.h"

namespace feedrank {
namespace {

using testing::missing_pages;

constexpr std::size_t kMiB = std::size_t{1} << 20;

// Whether this kernel backs pages on request (Linux 5.14 on); where it does not, the writer
// faults them in itself and there is nothing to test.
bool kernel_populates() {
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  void* probe = ::mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (probe == MAP_FAILED) return false;
  const bool populates = ::madvise(probe, page, kMadvisePopulateWrite) == 0;
  ::munmap(probe, page);
  return populates;
}

TEST(PagesAhead, BacksTheNextMegabytesPastTheWriterAndWritesNothing) {
  if (!kernel_populates()) GTEST_SKIP() << "no MADV_POPULATE_WRITE on this kernel";
  StableArray<std::uint16_t> array;
  const std::size_t written = 3 * kMiB / sizeof(std::uint16_t);
  array.resize(written);
  for (std::size_t i = 0; i < written; ++i) array[i] = static_cast<std::uint16_t>(i * 7);
  ASSERT_GT(missing_pages(array.data() + written, kMiB), 0u)
      << "the pages past the written ones start unbacked";

  PagesAhead ahead;
  ahead.before_growth(array, written);
  ahead.wait();
  // Backed up to kAheadBytes past the written bytes (rounded up to 2 MB), not beyond.
  const std::size_t backed_to = 3 * kMiB + PagesAhead::kAheadBytes;
  EXPECT_EQ(missing_pages(array.data(), backed_to), 0u);
  // Counted as memory in use past the array's own bytes; nothing for another array.
  // 3 + 8 MiB rounded up to 2 MiB steps: backed to 12 MiB.
  EXPECT_EQ(ahead.backed_past(array.data(), 3 * kMiB), 9 * kMiB);
  EXPECT_EQ(ahead.backed_past(&written, 3 * kMiB), 0u);
  const auto* beyond = reinterpret_cast<const char*>(array.data()) + backed_to + 2 * kMiB;
  EXPECT_GT(missing_pages(beyond, 4 * kMiB), 0u) << "backed far past what was asked";
  for (std::size_t i = 0; i < written; ++i) {
    ASSERT_EQ(array[i], static_cast<std::uint16_t>(i * 7)) << "element " << i << " changed";
  }
}

TEST(PagesAhead, WaitsUntilTheWriterComesNearTheEndOfWhatIsBacked) {
  if (!kernel_populates()) GTEST_SKIP() << "no MADV_POPULATE_WRITE on this kernel";
  StableArray<char> array;
  array.resize(kMiB);
  PagesAhead ahead;
  ahead.before_growth(array, array.size());
  ahead.wait();
  const auto* next = array.data() + kMiB + PagesAhead::kAheadBytes + 2 * kMiB;
  const std::size_t unbacked = missing_pages(next, 2 * kMiB);
  ASSERT_GT(unbacked, 0u);
  ahead.before_growth(array, 2 * kMiB);  // well inside what is backed: nothing more
  ahead.wait();
  EXPECT_EQ(missing_pages(next, 2 * kMiB), unbacked);
  ahead.before_growth(array, kMiB + PagesAhead::kAheadBytes);  // near its end: the next stretch
  ahead.wait();
  EXPECT_EQ(missing_pages(next, 2 * kMiB), 0u);
}

}  // namespace
}  // namespace feedrank
