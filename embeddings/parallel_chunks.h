// Splits [0, total) into chunks that worker threads take in turn, for the embedding work that
// runs on all cores (a bulk corpus, a large write batch).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>

namespace feedrank::embeddings {

// Runs work(thread, begin, end) over [0, total) on `threads` threads (thread in [0, threads)).
// With one thread, or a total of at most one chunk, it runs on the calling thread. Otherwise the
// calling thread waits and calls progress(done) about every `interval`, and once at the end.
// Should work() throw, the other threads stop after their chunk and the caller gets the first
// exception (a worker's would else end the process); fewer threads run when some cannot start.
void run_in_chunks(std::size_t total, int threads,
                   const std::function<void(int thread, std::size_t begin, std::size_t end)>& work,
                   const std::function<void(std::size_t done)>& progress = {},
                   std::chrono::milliseconds interval = std::chrono::seconds(1));

// std::thread::hardware_concurrency(), at least 1.
int available_threads();

}  // namespace feedrank::embeddings
