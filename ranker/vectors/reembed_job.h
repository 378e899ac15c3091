// Re-embeds the corpus on a thread of its own (FeedEngine::reembed). It walks the post table's
// rows as they were when it started, a chunk at a time; each chunk is one step (one store
// rewrite: durable, then published), so a write waits for at most one chunk and a read only
// for a chunk's publish. Posts written meanwhile are embedded with the IDF of their time anyway.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"

namespace feedrank::ranker {

struct ReembedProgress {
  bool running = false;
  std::uint64_t rows_done = 0;   // table rows visited, of rows_total
  std::uint64_t rows_total = 0;  // the table's rows when the job started
  std::uint64_t vectors_changed = 0;
  double seconds = 0;  // since the job started, to its end when it ended
  std::string error;   // why the job stopped early, when a step failed
};

class ReembedJob {
 public:
  // Re-embeds rows [first, end) and returns how many vectors changed.
  using Step = std::function<absl::StatusOr<std::size_t>(std::size_t first, std::size_t end)>;

  // Starts the thread, which visits rows [0, rows) `rows_per_step` at a time.
  ReembedJob(std::size_t rows, std::size_t rows_per_step, Step step,
             std::function<void(std::string_view line)> log);
  // Stops after the step under way; the rows not reached keep their vectors.
  ~ReembedJob();
  ReembedJob(const ReembedJob&) = delete;
  ReembedJob& operator=(const ReembedJob&) = delete;

  ReembedProgress progress() const;
  // Waits for the job's end.
  void wait() const;

 private:
  void run();

  const std::size_t rows_per_step_;
  const Step step_;
  const std::function<void(std::string_view line)> log_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();

  mutable std::mutex mutex_;
  mutable std::condition_variable ended_;
  bool stopping_ = false;
  ReembedProgress progress_;
  std::thread thread_;  // last: starts once the rest is set up
};

}  // namespace feedrank::ranker
