#include "embeddings/bulk_embedder.h"

#include <fmt/format.h>

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

// Runs work(thread, begin, end) over [0, total) in chunks on `threads` threads while the calling
// thread reports progress.
void run_parallel(std::size_t total, int threads, std::string_view phase,
                  const BulkEmbedOptions& options,
                  const std::function<void(int, std::size_t, std::size_t)>& work) {
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
  while (!finished.wait_for(lock, options.progress_interval, [&] { return running == 0; })) {
    if (options.progress) options.progress({phase, done.load(std::memory_order_relaxed), total});
  }
  lock.unlock();
  workers.clear();  // joins
  if (options.progress) options.progress({phase, total, total});
}

}  // namespace

absl::Status embed_corpus(const TextEmbedder& embedder, std::span<const std::string> texts,
                          DocumentFrequencies& frequencies, std::span<float> out,
                          const BulkEmbedOptions& options) {
  const auto dimension = static_cast<std::size_t>(embedder.dimension());
  if (out.size() != texts.size() * dimension) {
    return absl::InvalidArgumentError(
        fmt::format("output holds {} floats, {} texts of dimension {} need {}", out.size(),
                    texts.size(), dimension, texts.size() * dimension));
  }
  const int threads = options.threads > 0
                          ? options.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  // Pass 1: integer counts, so merging per-thread tables gives the same table in any order.
  std::vector<DocumentFrequencies> partial(threads);
  run_parallel(texts.size(), threads, "frequencies", options,
               [&](int thread, std::size_t begin, std::size_t end) {
                 std::vector<TextFeature> features;
                 for (std::size_t i = begin; i < end; ++i) {
                   extract_text_features(texts[i], features);
                   partial[thread].add_document(features);
                 }
               });
  for (const DocumentFrequencies& table : partial) frequencies.merge(table);

  // Pass 2: each vector depends only on its text and the final table.
  run_parallel(texts.size(), threads, "vectors", options,
               [&](int, std::size_t begin, std::size_t end) {
                 for (std::size_t i = begin; i < end; ++i) {
                   embedder.embed(texts[i], frequencies, out.subspan(i * dimension, dimension));
                 }
               });
  return absl::OkStatus();
}

}  // namespace feedrank::embeddings
