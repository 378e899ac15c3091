#include "embeddings/parallel_chunks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace feedrank::embeddings {
namespace {

// Which thread ran each index, and on which OS thread each worker number ran.
struct Coverage {
  std::vector<std::atomic<int>> runs;
  std::mutex mutex;
  std::vector<std::pair<int, std::thread::id>> workers;
  explicit Coverage(std::size_t total) : runs(total) {}
  void record(int thread, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) runs[i].fetch_add(1);
    std::lock_guard lock(mutex);
    workers.emplace_back(thread, std::this_thread::get_id());
  }
  bool each_index_once() const {
    return std::all_of(runs.begin(), runs.end(), [](const auto& n) { return n.load() == 1; });
  }
};

TEST(RunInChunks, EachIndexRunsOnceOnThreadsNumberedFromZero) {
  for (std::size_t total : {0u, 1u, 511u, 512u, 513u, 1000u, 10'000u}) {
    Coverage coverage(total);
    run_in_chunks(total, 3, [&](int t, std::size_t b, std::size_t e) { coverage.record(t, b, e); });
    EXPECT_TRUE(coverage.each_index_once()) << total;
    for (const auto& [thread, id] : coverage.workers) {
      EXPECT_GE(thread, 0);
      EXPECT_LT(thread, 3);
      // One chunk or less runs on the caller; more on started threads.
      EXPECT_EQ(total <= 512, id == std::this_thread::get_id()) << total;
    }
  }
}

TEST(RunInChunks, TheCallerReportsProgressUpToTheTotal) {
  Coverage coverage(5'000);
  std::vector<std::size_t> reports;
  run_in_chunks(
      5'000, 2, [&](int t, std::size_t b, std::size_t e) { coverage.record(t, b, e); },
      [&](std::size_t done) { reports.push_back(done); }, std::chrono::milliseconds(1));
  EXPECT_TRUE(coverage.each_index_once());
  for (const auto& [thread, id] : coverage.workers) EXPECT_NE(id, std::this_thread::get_id());
  ASSERT_FALSE(reports.empty());
  EXPECT_TRUE(std::is_sorted(reports.begin(), reports.end()));
  EXPECT_EQ(reports.back(), 5'000u);
}

}  // namespace
}  // namespace feedrank::embeddings
