// Lowering the calling thread's CPU priority relative to where it stands, so that a background
// thread stays below its process's other threads however the process itself was started.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace feedrank {

// Raises the calling thread's nice value by `steps`, up to 19 (the lowest priority); returns the
// value it has afterwards (0 if its value cannot be read, when nothing is changed). Relative,
// not absolute: under `nice -n 19`, an absolute 10 would raise the thread above the rest of the
// process where the caller may (root), the opposite of the intent.
inline int lower_this_threads_priority(int steps) {
  const auto thread = static_cast<id_t>(gettid());
  errno = 0;
  const int current = getpriority(PRIO_PROCESS, thread);  // -1 is also a valid nice value
  if (errno != 0) return 0;
  const int lowered = std::min(current + steps, 19);
  if (setpriority(PRIO_PROCESS, thread, lowered) != 0) return current;
  return lowered;
}

}  // namespace feedrank
