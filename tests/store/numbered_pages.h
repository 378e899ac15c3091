// The pages of the kill -9 test, known to both sides: impression_log_writer appends them and
// impression_log_test expects them. Page n is request n, served at n seconds, every field derived
// from (n, position) so that a page read back can be checked whole.
#pragma once

#include <cstdint>
#include <vector>

#include "store/impression_log.h"

namespace feedrank::store::test {

inline constexpr std::uint32_t kPositionsPerPage = 8;
inline constexpr char kNumberedPagesExperiment[] = "kill-test";

inline std::vector<Impression> numbered_page(std::uint64_t n) {
  std::vector<Impression> page;
  for (std::uint32_t position = 0; position < kPositionsPerPage; ++position) {
    Impression impression;
    impression.request_id = n;
    impression.viewer = 1000 + n;
    impression.experiment = kNumberedPagesExperiment;
    impression.arm = n % 2 == 0 ? "control" : "treatment";
    impression.post = n * 100 + position;
    impression.author = 7 + position;
    impression.post_created_at = static_cast<TimestampMs>(n) * 1000 - 500;
    impression.position = position;
    impression.mode = 1;
    impression.source = static_cast<std::uint8_t>(position % 3);
    impression.team = static_cast<std::uint8_t>(1 + position % 2);
    impression.served_at = static_cast<TimestampMs>(n) * 1000;
    page.push_back(impression);
  }
  return page;
}

}  // namespace feedrank::store::test
