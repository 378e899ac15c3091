// The process's resident memory, read from /proc/self/statm: what the operating system holds
// for it, against which the memory breakdown's parts are compared.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <fstream>

namespace feedrank {

// Resident set size in bytes; 0 where /proc is unreadable.
inline std::uint64_t resident_memory_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace feedrank
