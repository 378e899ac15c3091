// glibc's malloc on transparent huge pages (its tunable glibc.malloc.hugetlb=1, glibc 2.35 on):
// the heap is advised MADV_HUGEPAGE, so the server's millions of small blocks (posts, lists,
// hash tables) fault in 2 MB at a time. A start of a 1M-post store took 11.3-12.3 s instead of
// 13.5-13.9 s, resident memory +5 MB of 1.4 GB; Ingest did not change (benchmarks/RESULTS.md,
// 2026-12-04). glibc reads its tunables once, before main, from GLIBC_TUNABLES: a program that
// wants one re-executes itself with the variable set.
#pragma once

#include <sys/auxv.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace feedrank {

inline constexpr std::string_view kHugePageMallocTunable = "glibc.malloc.hugetlb";
// Set in the re-executed program: it never re-executes twice, whatever glibc made of the
// tunables (in secure mode, a setuid or setcap binary, glibc drops this one).
inline constexpr const char* kHugePageMallocRestarted = "FEEDRANK_HUGE_PAGE_MALLOC_RESTARTED";

// GLIBC_TUNABLES with glibc.malloc.hugetlb=1 added to `current` (null: unset); nullopt when
// `current` already names that tunable: the caller's own choice (0 turns it off) is kept.
inline std::optional<std::string> tunables_with_huge_page_malloc(const char* current) {
  const std::string tunables = current != nullptr ? current : "";
  if (tunables.find(kHugePageMallocTunable) != std::string::npos) return std::nullopt;
  return tunables + (tunables.empty() ? "" : ":") + std::string(kHugePageMallocTunable) + "=1";
}

// Re-executes this program (same arguments, same pid) with the tunable added, once. It runs the
// file /proc/self/exe points to, not the link: the process would else be named "exe" (pgrep,
// top). Returns where it does not re-execute: the tunable already named, already restarted,
// secure mode (glibc would ignore the tunable), started through the dynamic loader (ld.so would
// get the arguments), not glibc, or the exec failed (the environment is then as it was).
inline void reexec_with_huge_page_malloc(char** argv) {
#ifdef __GLIBC__
  if (std::getenv(kHugePageMallocRestarted) != nullptr || ::getauxval(AT_SECURE) != 0) return;
  const char* before = std::getenv("GLIBC_TUNABLES");
  const std::optional<std::string> tunables = tunables_with_huge_page_malloc(before);
  if (!tunables) return;
  char path[4096];
  const ssize_t length = ::readlink("/proc/self/exe", path, sizeof(path));
  if (length <= 0 || static_cast<std::size_t>(length) >= sizeof(path)) return;
  path[length] = '\0';
  const std::string_view file_path(path);
  const std::string_view file = file_path.substr(file_path.rfind('/') + 1);
  if (file.starts_with("ld-") || file.starts_with("ld.so")) return;
  const std::string saved = before != nullptr ? before : "";
  ::setenv("GLIBC_TUNABLES", tunables->c_str(), 1);
  ::setenv(kHugePageMallocRestarted, "1", 1);
  ::execv(path, argv);
  ::unsetenv(kHugePageMallocRestarted);
  if (before != nullptr) {
    ::setenv("GLIBC_TUNABLES", saved.c_str(), 1);
  } else {
    ::unsetenv("GLIBC_TUNABLES");
  }
#else
  (void)argv;
#endif
}

}  // namespace feedrank
