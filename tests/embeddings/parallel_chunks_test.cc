#include "embeddings/parallel_chunks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace feedrank::embeddings {
namespace {

// How often each index ran, and the OS thread each worker number ran on (callers index
// per-thread scratch space by that number: one number, one thread).
struct Coverage {
  std::vector<std::atomic<int>> runs;
  std::mutex mutex;
  std::map<int, std::set<std::thread::id>> threads_of;
  explicit Coverage(std::size_t total) : runs(total) {}
  void record(int thread, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) runs[i].fetch_add(1);
    std::lock_guard lock(mutex);
    threads_of[thread].insert(std::this_thread::get_id());
  }
  bool each_index_once() const {
    return std::all_of(runs.begin(), runs.end(), [](const auto& n) { return n.load() == 1; });
  }
};

TEST(RunInChunks, EachIndexRunsOnceAndEachWorkerNumberIsOneThread) {
  for (std::size_t total : {0u, 1u, 511u, 512u, 513u, 1000u, 10'000u}) {
    Coverage coverage(total);
    run_in_chunks(total, 3, [&](int t, std::size_t b, std::size_t e) { coverage.record(t, b, e); });
    EXPECT_TRUE(coverage.each_index_once()) << total;
    // No more threads than chunks of 512: a total just over one chunk needs two.
    const int most = static_cast<int>(std::min<std::size_t>(3, (total + 511) / 512));
    std::set<std::thread::id> distinct;
    for (const auto& [thread, ids] : coverage.threads_of) {
      EXPECT_GE(thread, 0) << total;
      EXPECT_LT(thread, std::max(most, 1)) << total;
      ASSERT_EQ(ids.size(), 1u) << "worker " << thread << " of " << total;
      distinct.insert(*ids.begin());
      // One chunk or less runs on the caller; more on started threads.
      EXPECT_EQ(total <= 512, *ids.begin() == std::this_thread::get_id()) << total;
    }
    EXPECT_EQ(distinct.size(), coverage.threads_of.size()) << "a thread per worker number";
  }
}

TEST(RunInChunks, TheCallerReportsProgressUpToTheTotal) {
  Coverage coverage(5'000);
  std::vector<std::size_t> reports;
  std::set<std::thread::id> reporters;
  run_in_chunks(
      5'000, 2, [&](int t, std::size_t b, std::size_t e) { coverage.record(t, b, e); },
      [&](std::size_t done) {
        reports.push_back(done);
        reporters.insert(std::this_thread::get_id());
      },
      std::chrono::milliseconds(1));
  EXPECT_TRUE(coverage.each_index_once());
  EXPECT_EQ(reporters, std::set<std::thread::id>{std::this_thread::get_id()});
  ASSERT_FALSE(reports.empty());
  EXPECT_TRUE(std::is_sorted(reports.begin(), reports.end()));
  EXPECT_EQ(reports.back(), 5'000u);
}

// A worker's exception reaches the caller (on a worker thread it would end the process), once
// every thread has stopped.
TEST(RunInChunks, AnExceptionInAWorkerReachesTheCallerAfterEveryThreadStopped) {
  constexpr std::size_t kTotal = 100 * 512;
  std::atomic<int> running{0};
  const auto work = [&](int, std::size_t begin, std::size_t) {
    ++running;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    --running;
    if (begin == 3 * 512) throw std::length_error("chunk 3");
  };
  try {
    run_in_chunks(kTotal, 3, work);
    ADD_FAILURE() << "no exception reached the caller";
  } catch (const std::length_error& error) {
    EXPECT_STREQ(error.what(), "chunk 3");
  }
  EXPECT_EQ(running.load(), 0) << "a worker still ran after the call returned";
}

}  // namespace
}  // namespace feedrank::embeddings
