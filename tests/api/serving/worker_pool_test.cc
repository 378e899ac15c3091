// The service's worker pool: every accepted job runs once, at most `threads` at a time, a full
// queue refuses, and destruction runs what was queued.
#include <gmock/gmock.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "api/serving/worker_pool.h"

namespace feedrank::api::serving {
namespace {

// Holds the jobs that call wait() until open() is called.
class Latch {
 public:
  void wait() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
  }
  void wait_for_waiters(int count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return waiting_ >= count; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool open_ = false;
};

TEST(WorkerPool, RunsEveryAcceptedJobOnceOnAtMostItsThreads) {
  constexpr int kThreads = 3;
  std::atomic<int> running{0};
  std::atomic<int> most_running{0};
  std::atomic<int> ran{0};
  {
    WorkerPool pool(kThreads, 1000);
    for (int i = 0; i < 500; ++i) {
      ASSERT_TRUE(pool.try_submit([&] {
        const int now = ++running;
        int most = most_running.load();
        while (now > most && !most_running.compare_exchange_weak(most, now)) {
        }
        std::this_thread::yield();
        --running;
        ++ran;
      }));
    }
  }  // the destructor runs what is still queued
  EXPECT_EQ(ran.load(), 500);
  EXPECT_LE(most_running.load(), kThreads);
  EXPECT_GE(most_running.load(), 1);
}

TEST(WorkerPool, AFullQueueRefusesAndTheRefusedJobNeverRuns) {
  Latch latch;
  std::atomic<int> ran{0};
  std::atomic<bool> refused_ran{false};
  std::optional<WorkerPool> pool(std::in_place, 2, 3);
  // Two jobs hold both threads; three more fill the queue; the sixth is refused.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(pool->try_submit([&] {
      latch.wait();
      ++ran;
    }));
  }
  latch.wait_for_waiters(2);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool->try_submit([&] { ++ran; }));
  EXPECT_FALSE(pool->try_submit([&] { refused_ran = true; }));
  latch.open();
  pool.reset();
  EXPECT_EQ(ran.load(), 5);
  EXPECT_FALSE(refused_ran.load());
}

TEST(WorkerPool, TakesJobsAgainOnceTheQueueDrains) {
  WorkerPool pool(1, 1);
  std::atomic<int> ran{0};
  for (int i = 0; i < 50; ++i) {
    // A queue of one: wait for the previous job to be taken before offering the next.
    while (!pool.try_submit([&] { ++ran; })) std::this_thread::yield();
  }
  while (ran.load() < 50) std::this_thread::yield();
  EXPECT_EQ(ran.load(), 50);
}

// Threads start as jobs need them: none before the first, one for jobs that come one after the
// other, one a job while jobs wait together, never more than the maximum.
TEST(WorkerPool, StartsThreadsOnlyAsJobsNeedThem) {
  Latch latch;  // before the pool: its threads may still be leaving latch.wait() as it is destroyed
  WorkerPool pool(4, 100);
  EXPECT_EQ(pool.thread_count(), 0u);
  for (int i = 0; i < 20; ++i) {
    std::atomic<bool> done{false};
    ASSERT_TRUE(pool.try_submit([&] { done = true; }));
    while (!done.load()) std::this_thread::yield();
    // Wait until the job's thread is back to waiting: a job offered while it is still on its way
    // would rightly start a second thread, however briefly the test slept.
    while (pool.idle_thread_count() < pool.thread_count()) std::this_thread::yield();
    EXPECT_EQ(pool.thread_count(), 1u) << i;
  }
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool.try_submit([&] { latch.wait(); }));
  latch.wait_for_waiters(3);
  EXPECT_GE(pool.thread_count(), 3u) << "three jobs held at once, each on its own thread";
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(pool.try_submit([&] { latch.wait(); }));
  latch.wait_for_waiters(4);
  EXPECT_EQ(pool.thread_count(), 4u) << "the maximum; the rest wait in the queue";
  latch.open();
}

}  // namespace
}  // namespace feedrank::api::serving
