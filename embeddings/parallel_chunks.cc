#include "embeddings/parallel_chunks.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace feedrank::embeddings {
namespace {

// Small enough to balance two cores, large enough that the shared counter is not contended.
constexpr std::size_t kChunk = 512;

// One call of run_in_chunks: its chunks, and who works on them.
struct Job {
  std::size_t total = 0;
  int threads = 0;  // worker numbers [0, threads); the caller is 0
  const std::function<void(int, std::size_t, std::size_t)>* work = nullptr;
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  int joined = 1;   // worker numbers handed out (the caller's included); guarded by the pool
  int helping = 0;  // pool threads inside run(); guarded by the pool

  // Takes chunks until none is left, calling after_chunk() (when given) after each.
  void run(int worker, const std::function<void()>& after_chunk = {}) {
    for (;;) {
      const std::size_t begin = next.fetch_add(kChunk);
      if (begin >= total) return;
      const std::size_t end = std::min(total, begin + kChunk);
      (*work)(worker, begin, end);
      done.fetch_add(end - begin, std::memory_order_relaxed);
      if (after_chunk) after_chunk();
    }
  }
};

// Threads kept for the whole process, so that a write batch's embedding does not start and
// join threads twice per chunk (the ingest profile put thread start-up and first-touch stack
// pages beside the embedding itself). A caller always works on its own job, so a job finishes
// even when every pool thread is busy with another, and nested calls cannot deadlock.
class ChunkPool {
 public:
  static ChunkPool& instance() {
    static ChunkPool pool;
    return pool;
  }

  ~ChunkPool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    work_arrived_.notify_all();
    threads_.clear();  // joins
  }

  // Runs `job` on the calling thread and up to job.threads - 1 pool threads; calls
  // progress(done) from the calling thread about every `interval` while others still work.
  void run(Job& job, const std::function<void(std::size_t)>& progress,
           std::chrono::milliseconds interval) {
    {
      std::lock_guard lock(mutex_);
      grow_to(job.threads - 1);
      jobs_.push_back(&job);
    }
    work_arrived_.notify_all();
    run_reporting(job, progress, interval);
    std::unique_lock lock(mutex_);
    // No pool thread may pick the job up from now on: it lives on the caller's stack.
    std::erase(jobs_, &job);
    while (!helpers_left_.wait_for(lock, interval, [&] { return job.helping == 0; })) {
      if (progress) progress(job.done.load(std::memory_order_relaxed));
    }
  }

 private:
  // The caller's share of the work, with a progress report between chunks when one is due.
  static void run_reporting(Job& job, const std::function<void(std::size_t)>& progress,
                            std::chrono::milliseconds interval) {
    if (!progress) {
      job.run(0);
      return;
    }
    auto report_at = std::chrono::steady_clock::now() + interval;
    job.run(0, [&] {
      if (std::chrono::steady_clock::now() < report_at) return;
      progress(job.done.load(std::memory_order_relaxed));
      report_at = std::chrono::steady_clock::now() + interval;
    });
  }

  void grow_to(int count) {
    while (static_cast<int>(threads_.size()) < count) {
      threads_.emplace_back([this] { serve(); });
    }
  }

  void serve() {
    std::unique_lock lock(mutex_);
    for (;;) {
      work_arrived_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      Job& job = *jobs_.front();
      const int worker = job.joined++;
      // The job needs no more hands (or has no chunks left for them): later threads take the next.
      if (job.joined >= job.threads || job.next.load() >= job.total) jobs_.pop_front();
      ++job.helping;
      lock.unlock();
      job.run(worker);
      lock.lock();
      if (--job.helping == 0) helpers_left_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable work_arrived_;
  std::condition_variable helpers_left_;
  std::deque<Job*> jobs_;  // jobs that want more threads, oldest first
  bool stopping_ = false;
  std::vector<std::jthread> threads_;
};

}  // namespace

int available_threads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

void run_in_chunks(std::size_t total, int threads,
                   const std::function<void(int, std::size_t, std::size_t)>& work,
                   const std::function<void(std::size_t)>& progress,
                   std::chrono::milliseconds interval) {
  // No more threads than chunks: a total just over one chunk needs two, not every core.
  threads = static_cast<int>(std::min<std::size_t>(threads, (total + kChunk - 1) / kChunk));
  if (threads <= 1) {
    if (total > 0) work(0, 0, total);
    if (progress) progress(total);
    return;
  }
  Job job;
  job.total = total;
  job.threads = threads;
  job.work = &work;
  ChunkPool::instance().run(job, progress, interval);
  if (progress) progress(total);
}

}  // namespace feedrank::embeddings
