// A fixed set of threads running submitted jobs in arrival order, with a bounded queue: a job
// offered while the queue is full is refused, not run, so that overload turns into refusals
// rather than a queue that grows without end.
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
  // Precondition: threads >= 1.
  WorkerPool(int threads, std::size_t max_queued);
  // Runs every job already queued, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job` for the next free thread; false (the job is dropped) when max_queued jobs
  // already wait.
  bool try_submit(std::function<void()> job);

 private:
  void run_jobs();

  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable job_queued_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // started last, once the members they read exist
};

}  // namespace feedrank::api::serving
