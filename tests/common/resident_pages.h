// Pages of a block that the kernel does not back yet (mincore), for tests of what is faulted in.
#pragma once

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace feedrank::testing {

// Pages of [data, data + bytes) the kernel does not back yet.
inline std::size_t missing_pages(const void* data, std::size_t bytes) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<std::uintptr_t>(data) / page * page;
  const std::size_t pages =
      (reinterpret_cast<std::uintptr_t>(data) + bytes - begin + page - 1) / page;
  std::vector<unsigned char> resident(pages);
  EXPECT_EQ(::mincore(reinterpret_cast<void*>(begin), pages * page, resident.data()), 0);
  std::size_t missing = 0;
  for (unsigned char flags : resident) missing += (flags & 1) == 0 ? 1 : 0;
  return missing;
}

}  // namespace feedrank::testing
