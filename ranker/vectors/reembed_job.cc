#include "ranker/vectors/reembed_job.h"

#include <algorithm>

#include "common/error_status.h"
#include "fmt/format.h"

namespace feedrank::ranker {
namespace {

// Between steps the store's write pipeline is free this long, so that waiting writes get in
// (a step runs alone, and the store lets a waiting step in before new batches).
constexpr std::chrono::milliseconds kPauseBetweenSteps{1};
// Progress is logged at most this often.
constexpr std::chrono::seconds kLogEvery{10};

ReembedProgress started_progress(std::size_t rows) {
  ReembedProgress progress;
  progress.running = true;
  progress.rows_total = rows;
  return progress;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

ReembedJob::ReembedJob(std::size_t rows, std::size_t rows_per_step, Step step,
                       std::function<void(std::string_view line)> log)
    : rows_per_step_(std::max<std::size_t>(rows_per_step, 1)),
      step_(std::move(step)),
      log_(std::move(log)),
      progress_(started_progress(rows)),
      thread_([this] { run(); }) {}

ReembedJob::~ReembedJob() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  thread_.join();
}

ReembedProgress ReembedJob::progress() const {
  std::lock_guard lock(mutex_);
  ReembedProgress progress = progress_;
  if (progress.running) progress.seconds = seconds_since(started_);
  return progress;
}

void ReembedJob::wait() const {
  std::unique_lock lock(mutex_);
  ended_.wait(lock, [this] { return !progress_.running; });
}

void ReembedJob::run() {
  const auto say = [&](const std::string& line) {
    if (log_) log_(line);
  };
  say(fmt::format("re-embedding the text-derived vectors of {} rows", progress().rows_total));
  auto last_log = std::chrono::steady_clock::now();
  std::string error;
  std::uint64_t done = 0, changed = 0;
  const std::uint64_t total = progress().rows_total;
  while (done < total) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    const std::size_t end = std::min<std::uint64_t>(total, done + rows_per_step_);
    const absl::StatusOr<std::size_t> step =
        or_error_status("re-embedding rows", [&] { return step_(done, end); });
    if (!step.ok()) {
      error = std::string(step.status().message());
      break;
    }
    done = end;
    changed += *step;
    {
      std::lock_guard lock(mutex_);
      progress_.rows_done = done;
      progress_.vectors_changed = changed;
    }
    if (std::chrono::steady_clock::now() - last_log >= kLogEvery) {
      last_log = std::chrono::steady_clock::now();
      say(fmt::format("re-embedding: {}/{} rows, {} vectors changed", done, total, changed));
    }
    std::this_thread::sleep_for(kPauseBetweenSteps);
  }
  const double seconds = seconds_since(started_);
  if (!error.empty()) {
    say(fmt::format("re-embedding failed after {}/{} rows: {}", done, total, error));
  } else {
    say(fmt::format("re-embedding {}: {}/{} rows in {:.1f} s, {} vectors changed",
                    done == total ? "done" : "stopped", done, total, seconds, changed));
  }
  {
    std::lock_guard lock(mutex_);
    progress_.running = false;
    progress_.seconds = seconds;
    progress_.error = error;
  }
  ended_.notify_all();
}

}  // namespace feedrank::ranker
