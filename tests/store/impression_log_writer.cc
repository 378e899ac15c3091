// Appends numbered pages 1, 2, ... to the impression log in a directory and prints each page's
// number on stdout once its append returned OK: the acknowledgements of the kill -9 test. Also a
// rough measure of one synced append: `time impression_log_writer DIR 1000 >/dev/null`.
#include <cstdio>
#include <iostream>
#include <string>

#include "store/impression_log.h"
#include "tests/store/numbered_pages.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: impression_log_writer DIRECTORY PAGES\n";
    return 2;
  }
  auto log = feedrank::store::open_rocksdb_impression_log(argv[1]);
  if (!log.ok()) {
    std::cerr << log.status() << '\n';
    return 1;
  }
  const std::uint64_t pages = std::stoull(argv[2]);
  for (std::uint64_t n = 1; n <= pages; ++n) {
    if (auto status = (*log)->append(feedrank::store::test::numbered_page(n)); !status.ok()) {
      std::cerr << "page " << n << ": " << status << '\n';
      return 1;
    }
    std::printf("%llu\n", static_cast<unsigned long long>(n));
    std::fflush(stdout);  // one write(2) per line: an acknowledgement is never half sent
  }
  return 0;
}
