#include "embeddings/parallel_chunks.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace feedrank::embeddings {
namespace {

// Small enough to balance two cores, large enough that the shared counter is not contended.
constexpr std::size_t kChunk = 512;

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
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::mutex mutex;
  std::condition_variable finished;
  int running = threads;
  std::vector<std::jthread> workers;
  workers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (;;) {
        const std::size_t begin = next.fetch_add(kChunk);
        if (begin >= total) break;
        const std::size_t end = std::min(total, begin + kChunk);
        work(t, begin, end);
        done.fetch_add(end - begin, std::memory_order_relaxed);
      }
      std::lock_guard lock(mutex);
      if (--running == 0) finished.notify_one();
    });
  }
  std::unique_lock lock(mutex);
  while (!finished.wait_for(lock, interval, [&] { return running == 0; })) {
    if (progress) progress(done.load(std::memory_order_relaxed));
  }
  lock.unlock();
  workers.clear();  // joins
  if (progress) progress(total);
}

}  // namespace feedrank::embeddings
