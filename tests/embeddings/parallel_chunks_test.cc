#include "embeddings/parallel_chunks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
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
      // The caller is worker 0; the others are pool threads.
      EXPECT_EQ(thread == 0, *ids.begin() == std::this_thread::get_id()) << total;
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

TEST(RunInChunks, CallersAtOnceEachGetTheirWholeRange) {
  constexpr int kCallers = 4;
  std::vector<std::unique_ptr<Coverage>> coverages;
  for (int c = 0; c < kCallers; ++c) coverages.push_back(std::make_unique<Coverage>(20'000));
  {
    std::vector<std::jthread> callers;
    for (int c = 0; c < kCallers; ++c) {
      callers.emplace_back([&, c] {
        run_in_chunks(20'000, 3,
                      [&](int t, std::size_t b, std::size_t e) { coverages[c]->record(t, b, e); });
      });
    }
  }
  for (int c = 0; c < kCallers; ++c) {
    EXPECT_TRUE(coverages[c]->each_index_once()) << "caller " << c;
    for (const auto& [thread, ids] : coverages[c]->threads_of) {
      EXPECT_EQ(ids.size(), 1u) << "caller " << c << ", worker " << thread;
    }
  }
}

TEST(RunInChunks, ACallFromInsideTheWorkFinishes) {
  Coverage outer(4'096);
  std::atomic<int> inner_complete{0};
  run_in_chunks(4'096, 2, [&](int t, std::size_t b, std::size_t e) {
    Coverage inner(2'048);
    run_in_chunks(2'048, 2, [&](int it, std::size_t ib, std::size_t ie) { inner.record(it, ib, ie); });
    if (inner.each_index_once()) inner_complete.fetch_add(1);
    outer.record(t, b, e);
  });
  EXPECT_TRUE(outer.each_index_once());
  EXPECT_EQ(inner_complete.load(), 4'096 / 512);
}

// The point of the pool: calls after the first start no threads.
TEST(RunInChunks, LaterCallsReuseTheSameThreads) {
  thread_local bool seen_before = false;
  std::atomic<int> new_threads{0};
  constexpr int kCalls = 20;
  for (int call = 0; call < kCalls; ++call) {
    run_in_chunks(8 * 512, 2, [&](int, std::size_t, std::size_t) {
      if (!seen_before) {
        seen_before = true;
        new_threads.fetch_add(1);
      }
    });
  }
  // The caller and at most a couple of pool threads; a thread started per call would give 21.
  EXPECT_LE(new_threads.load(), 4);
}

}  // namespace
}  // namespace feedrank::embeddings
