#include "embeddings/parallel_chunks.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "common/first_exception.h"

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
  int running = 0;
  FirstException thrown;  // by work(): the caller gets it
  const auto take_chunks = [&](int t) {
    thrown.capture([&] {
      for (;;) {
        const std::size_t begin = next.fetch_add(kChunk);
        if (begin >= total) break;
        const std::size_t end = std::min(total, begin + kChunk);
        try {
          work(t, begin, end);
        } catch (...) {
          next.store(total);  // the others stop after their chunk
          throw;
        }
        done.fetch_add(end - begin, std::memory_order_relaxed);
      }
    });
    std::lock_guard lock(mutex);
    if (--running == 0) finished.notify_one();
  };
  std::vector<std::jthread> workers;
  workers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    {
      std::lock_guard lock(mutex);
      ++running;
    }
    try {
      workers.emplace_back(take_chunks, t);
    } catch (const std::system_error&) {  // no thread to be had: those started take every chunk
      std::lock_guard lock(mutex);
      --running;
      break;
    }
  }
  if (workers.empty()) {
    running = 1;
    take_chunks(0);
  }
  std::unique_lock lock(mutex);
  while (!finished.wait_for(lock, interval, [&] { return running == 0; })) {
    if (progress) progress(done.load(std::memory_order_relaxed));
  }
  lock.unlock();
  workers.clear();  // joins
  thrown.rethrow_if_any();
  if (progress) progress(total);
}

}  // namespace feedrank::embeddings
