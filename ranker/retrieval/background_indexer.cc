#include "ranker/retrieval/background_indexer.h"

#include <algorithm>
#include <exception>

#include "common/thread_priority.h"
#include "fmt/format.h"
#include "ranker/retrieval/table_rows.h"

namespace feedrank::ranker {
namespace {

constexpr std::size_t kMinRowsPerStep = 8;
constexpr std::size_t kMaxRowsPerStep = std::size_t{1} << 20;
// A later catch-up of at least this many rows is logged when it ends (a bulk load's).
constexpr std::size_t kRowsWorthSaying = 1000;
// Rows copied per read of the table when an outgrown index is rebuilt (8 MB of 128-float rows).
constexpr std::size_t kCopyRowsPerRead = 16384;

using Clock = std::chrono::steady_clock;

// How far below the process's other threads the indexer runs (nice values; 19 is the lowest).
constexpr int kNicenessBelowTheProcess = 10;
// Arrival rates are measured over at least this long: one write call's rows land at once.
constexpr auto kArrivalWindow = std::chrono::milliseconds(100);
// How long the indexer leaves the cores to a bulk load before it looks again.
constexpr auto kBulkLoadPause = std::chrono::milliseconds(50);

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

BackgroundIndexer::BackgroundIndexer(PostIndex& index, TableReader read_table,
                                     BackgroundIndexerOptions options)
    : index_(index),
      read_table_(std::move(read_table)),
      options_(std::move(options)),
      thread_([this] { run(); }) {}

BackgroundIndexer::~BackgroundIndexer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BackgroundIndexer::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  changed_.notify_all();
}

bool BackgroundIndexer::wait_caught_up(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return stopping_ || (!woken_ && !busy_); });
}

BackgroundIndexer::Progress BackgroundIndexer::progress() const {
  std::lock_guard lock(mutex_);
  return progress_;
}

void BackgroundIndexer::run() {
  // Below the request and write threads: during a bulk load the cores go to the writes and
  // reads first, and the indexer takes what they leave (all of it once the load ends). The
  // index library's worker threads, started from this one, inherit the priority.
  lower_this_threads_priority(kNicenessBelowTheProcess);
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || woken_; });
    if (stopping_) return;
    woken_ = false;
    busy_ = true;
    lock.unlock();
    bool rebuilding = false;
    try {
      catch_up();
      if (rebuild_due()) {
        rebuilding = true;
        rebuild();
        rebuilding = false;
        catch_up();
      }
    } catch (const std::exception& error) {
      // Out of memory (a rebuild copies every row) or the index library's error: as a failed
      // step, the index serves on, searches scan the rows it lacks, and the next wake retries
      // (a rebuild is not tried again). On this thread it would end the process.
      say(fmt::format("{}: {}",
                      rebuilding ? "rebuilding the retrieval index failed (the old one serves on; "
                                   "not tried again until a restart)"
                                 : "background indexing failed (retried at the next write; "
                                   "searches scan the rows not indexed)",
                      error.what()));
      failed_before_ = true;
      rebuild_failed_ = rebuild_failed_ || rebuilding;
    }
    lock.lock();
    busy_ = false;
    changed_.notify_all();
  }
}

void BackgroundIndexer::catch_up() {
  const auto started = Clock::now();
  std::size_t rows = 0;
  double yielded = 0;
  window_start_ = started;
  rows_at_window_start_ = index_.known_rows();
  arrival_rate_ = 0;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    if (bulk_load_under_way()) {
      const auto pause_started = Clock::now();
      if (!yield_to_bulk_load()) return;
      const double paused = seconds_since(pause_started);
      yielded += paused;
      std::lock_guard lock(mutex_);
      progress_.yielded_seconds += paused;
      continue;
    }
    absl::StatusOr<std::size_t> added = 0;
    const auto step_started = Clock::now();
    read_table_([&](const embeddings::EmbeddingTable::Pinned& table) {
      added = index_.index_step(table, rows_per_step_);
    });
    const double took = seconds_since(step_started);
    if (!added.ok()) {
      say(fmt::format("background indexing failed after {} rows (retried at the next write; "
                      "searches scan the rows not indexed): {}",
                      rows, std::string(added.status().message())));
      failed_before_ = true;
      return;
    }
    if (*added == 0) break;
    rows += *added;
    {
      std::lock_guard lock(mutex_);
      progress_.rows_indexed += *added;
      progress_.busy_seconds += took;
      ++progress_.steps;
    }
    // Size the next step from this one's rate (a step that filled its budget grows less).
    indexing_rate_ = static_cast<double>(*added) / std::max(took, 1e-6);
    const double budget = std::chrono::duration<double>(options_.step_budget).count();
    rows_per_step_ = std::clamp(static_cast<std::size_t>(indexing_rate_ * budget), kMinRowsPerStep,
                                std::min(kMaxRowsPerStep, 2 * rows_per_step_));
  }
  // Said: the first catch-up with rows (what the start found: a restart's rebuild), the one
  // that recovers from a failure, and any as large as a bulk load's.
  if (rows > 0 && (!said_any_ || failed_before_ || rows >= kRowsWorthSaying)) {
    const double took = seconds_since(started);
    const std::string left_to_load =
        yielded > 0 ? fmt::format("; {:.1f} s of it left to a bulk load", yielded) : "";
    say(fmt::format("indexed {} post vectors in the background in {:.1f} s ({:.0f} rows/s{})",
                    rows, took, static_cast<double>(rows) / std::max(took - yielded, 1e-6),
                    left_to_load));
    said_any_ = true;
    failed_before_ = false;
  }
}

bool BackgroundIndexer::bulk_load_under_way() {
  const auto now = Clock::now();
  if (now - window_start_ >= kArrivalWindow) {
    const std::size_t rows = index_.known_rows();
    arrival_rate_ = static_cast<double>(rows - std::min(rows, rows_at_window_start_)) /
                    std::chrono::duration<double>(now - window_start_).count();
    window_start_ = now;
    rows_at_window_start_ = rows;
  }
  return options_.bulk_load_ratio > 0 && indexing_rate_ > 0 &&
         arrival_rate_ > options_.bulk_load_ratio * indexing_rate_;
}

bool BackgroundIndexer::yield_to_bulk_load() {
  std::unique_lock lock(mutex_);
  return !changed_.wait_for(lock, kBulkLoadPause, [this] { return stopping_; });
}

bool BackgroundIndexer::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

bool BackgroundIndexer::rebuild_due() {
  if (rebuild_failed_ || stopping()) return false;
  bool due = false;
  read_table_([&](const embeddings::EmbeddingTable::Pinned& table) {
    due = index_.lag(table) == 0 && index_.outgrown(table);
  });
  return due;
}

void BackgroundIndexer::rebuild() {
  const auto started = Clock::now();
  std::unique_ptr<kernels::VectorIndex> fresh = index_.make_empty();
  if (fresh == nullptr) return;
  std::size_t rows = 0;
  int dimension = 0;
  read_table_([&](const embeddings::EmbeddingTable::Pinned& table) {
    rows = table.rows();
    dimension = table.dimension();
  });
  say(fmt::format("rebuilding the retrieval index over {} rows: the corpus outgrew it", rows));
  // The rows are copied a chunk per read of the table, so that writers wait for one chunk only;
  // an indexed row never changes (vector_index.h), so the chunks make one consistent copy.
  const auto d = static_cast<std::size_t>(dimension);
  std::vector<float> values(rows * d);
  std::vector<PostId> ids(rows);
  for (std::size_t first = 0; first < rows; first += kCopyRowsPerRead) {
    if (stopping()) return;
    read_table_([&](const embeddings::EmbeddingTable::Pinned& table) {
      const std::size_t end = std::min(rows, first + kCopyRowsPerRead);
      kernels::copy_rows_as_floats(rows_of(table), first, end, values.data() + first * d);
      std::copy(table.row_ids().begin() + static_cast<std::ptrdiff_t>(first),
                table.row_ids().begin() + static_cast<std::ptrdiff_t>(end),
                ids.begin() + first);
    });
  }
  // Tombstones are read from the table at search time; the copy needs none.
  const std::vector<std::uint64_t> no_tombstones((rows + 63) / 64, 0);
  const kernels::VectorRows copy{values.data(), rows, dimension, ids.data(), no_tombstones.data()};
  if (absl::Status status = fresh->sync(copy); !status.ok()) {
    say(fmt::format("rebuilding the retrieval index failed (the old one serves on): {}",
                    std::string(status.message())));
    rebuild_failed_ = true;
    return;
  }
  values = std::vector<float>();
  std::unique_ptr<kernels::VectorIndex> old = index_.replace(std::move(fresh));
  old.reset();  // outside every lock
  {
    std::lock_guard lock(mutex_);
    ++progress_.rebuilds;
  }
  say(fmt::format("rebuilt the retrieval index over {} rows in {:.1f} s: {}", rows,
                  seconds_since(started), index_.describe()));
}

void BackgroundIndexer::say(std::string_view line) const {
  if (options_.log) options_.log(line);
}

}  // namespace feedrank::ranker
