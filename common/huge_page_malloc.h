// glibc's malloc on transparent huge pages (its tunable glibc.malloc.hugetlb=1, glibc 2.35 on):
// the heap is advised MADV_HUGEPAGE, so the server's millions of small blocks (posts, lists,
// hash tables) fault in 2 MB at a time. A start of a 1M-post store took 11.3-12.3 s instead of
// 13.5-13.9 s, resident memory +5 MB of 1.4 GB; Ingest did not change (benchmarks/RESULTS.md,
// 2026-12-04).
// glibc reads its tunables once, before main, from GLIBC_TUNABLES: a program that wants one
// re-executes itself with the variable set.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace feedrank {

inline constexpr std::string_view kHugePageMallocTunable = "glibc.malloc.hugetlb";

// GLIBC_TUNABLES with glibc.malloc.hugetlb=1 added to `current` (null: unset); nullopt when
// `current` already names that tunable: the caller's own choice (0 turns it off) is kept.
inline std::optional<std::string> tunables_with_huge_page_malloc(const char* current) {
  const std::string tunables = current != nullptr ? current : "";
  if (tunables.find(kHugePageMallocTunable) != std::string::npos) return std::nullopt;
  return tunables + (tunables.empty() ? "" : ":") + std::string(kHugePageMallocTunable) + "=1";
}

// Re-executes this program (same arguments, same pid) with the tunable added, unless
// GLIBC_TUNABLES already names it (so the second run goes on). The file /proc/self/exe points
// to is run, not the link itself: the process would else be named "exe" (pgrep, top). Returns
// where it does not re-execute: the tunable already named, not glibc, or no file to run.
inline void reexec_with_huge_page_malloc(char** argv) {
#ifdef __GLIBC__
  const std::optional<std::string> tunables =
      tunables_with_huge_page_malloc(std::getenv("GLIBC_TUNABLES"));
  if (!tunables || ::setenv("GLIBC_TUNABLES", tunables->c_str(), 1) != 0) return;
  char path[4096];
  const ssize_t length = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (length > 0) {
    path[length] = '\0';
    ::execv(path, argv);
  }
  ::execv("/proc/self/exe", argv);  // the file was replaced or removed since the start
#else
  (void)argv;
#endif
}

}  // namespace feedrank
