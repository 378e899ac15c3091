// Threads running submitted jobs in arrival order, with a bounded queue: a job offered while the
// queue is full is refused, not run, so that overload turns into refusals rather than a queue
// that grows without end. Threads start as jobs need them, up to a maximum, and then stay: a
// thread costs its stack and a copy of every loaded library's thread-local storage (about 75 KB,
// of which OpenBLAS brings 61 KB; 190 KB once a GPU backend has loaded cuBLAS), and the service's
// pool may hold a thousand, which an idle or lightly used server should not pay for.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace feedrank::api::serving {

class WorkerPool {
 public:
  // Precondition: max_threads >= 1. No thread starts before the first job.
  WorkerPool(int max_threads, std::size_t max_queued);
  // Runs every job already queued, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job` for the next free thread; false (the job is dropped) when max_queued jobs
  // already wait, or when no thread can be started and none runs.
  bool try_submit(std::function<void()> job);
  // Threads started so far.
  std::size_t thread_count() const;
  // Threads waiting for a job now (a thread between jobs is neither waiting nor running one).
  std::size_t idle_thread_count() const;

 private:
  void run_jobs();

  const std::size_t max_threads_;
  const std::size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable job_queued_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::size_t idle_ = 0;  // threads waiting for a job
  std::vector<std::thread> threads_;
};

}  // namespace feedrank::api::serving
