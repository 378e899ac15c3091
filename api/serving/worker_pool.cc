#include "api/serving/worker_pool.h"

#include <cstdlib>
#include <exception>
#include <utility>

namespace feedrank::api::serving {

WorkerPool::WorkerPool(int max_threads, std::size_t max_queued)
    : max_threads_(static_cast<std::size_t>(max_threads)), max_queued_(max_queued) {
  if (max_threads < 1) std::abort();
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  job_queued_.notify_all();
  // No job is submitted while the pool is destroyed: threads_ no longer grows.
  for (std::thread& thread : threads_) thread.join();
}

bool WorkerPool::try_submit(std::function<void()> job) {
  bool started = false;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(job));
    // Every queued job needs a thread that will take it: when the idle ones are all spoken for,
    // start one (it takes a job once this lock is released).
    if (idle_ < queue_.size() && threads_.size() < max_threads_) {
      try {
        threads_.emplace_back([this] { run_jobs(); });
        started = true;
      } catch (const std::exception&) {  // no thread to be had (or no memory for its handle)
        if (threads_.empty()) {  // nobody would ever run it: refused, as when the queue is full
          queue_.pop_back();
          return false;
        }
        // Else a running thread takes it once done with its own.
      }
    }
  }
  if (!started) job_queued_.notify_one();
  return true;
}

std::size_t WorkerPool::thread_count() const {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

std::size_t WorkerPool::idle_thread_count() const {
  std::lock_guard lock(mutex_);
  return idle_;
}

void WorkerPool::run_jobs() {
  std::unique_lock lock(mutex_);
  while (true) {
    ++idle_;
    job_queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping, and nothing left to run
    std::function<void()> job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    job();
    job = nullptr;  // its captures go outside the lock
    lock.lock();
  }
}

}  // namespace feedrank::api::serving
