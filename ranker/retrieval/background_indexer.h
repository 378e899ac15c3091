// Catches a deferred PostIndex (post_index.h) up with its table on a thread of its own. Woken by
// writes (and once at start), it adds rows in steps of bounded length until the lag is zero:
// searches wait for at most one step (the index is held meanwhile); writers do not wait for it
// (a step reads a pin of the table). Searches stay exact for the rows it has not reached (the
// tail scan). During a bulk load (rows arriving far faster than it adds them) it waits for the
// load to end instead of taking the writes' cores. Once caught up, an index the corpus has
// outgrown (an IVF trained on a quarter of today's rows or fewer) is rebuilt aside over a copy of
// the rows, outside every lock, and swapped in; the rows written meanwhile are then caught up as
// usual. The copy and the new index cost memory until the swap: about twice the vectors' size.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>

#include "absl/functional/function_ref.h"
#include "embeddings/embedding_table.h"
#include "ranker/retrieval/post_index.h"

namespace feedrank::ranker {

struct BackgroundIndexerOptions {
  // Each step adds as many rows as the last steps' rate says fit in this long: a search waits
  // for at most about this long (HNSW at 100k posts adds a row in about half a millisecond).
  std::chrono::milliseconds step_budget{5};
  // Rows arriving more than this many times faster than the indexer adds them are a bulk load:
  // it leaves the cores to the writes until the load ends (0: it never yields). Indexing in the
  // middle of such a load shortens the catch-up after it by little and slows every write;
  // writes slower than that (a steady stream) are indexed as they come.
  double bulk_load_ratio = 4;
  // Says when a catch-up ends (rows, seconds, rate) and when a step fails.
  std::function<void(std::string_view line)> log;
};

class BackgroundIndexer {
 public:
  // Runs its argument on a pin of the table (EmbeddingTable::Pinned), taken under the table
  // owner's readers' lock and held without it, so that writers do not wait for a step.
  using TableReader =
      std::function<void(absl::FunctionRef<void(const embeddings::EmbeddingTable::Pinned&)>)>;

  // Starts the thread, which catches up at once. `index` must be deferred and outlive this.
  BackgroundIndexer(PostIndex& index, TableReader read_table, BackgroundIndexerOptions options);
  // Stops after the step under way (a rebuild's training, minutes for an IVF of a million rows,
  // is not interrupted); the rows not reached stay with the tail scan.
  ~BackgroundIndexer();
  BackgroundIndexer(const BackgroundIndexer&) = delete;
  BackgroundIndexer& operator=(const BackgroundIndexer&) = delete;

  // Rows were added: catch up.
  void wake();
  // Waits until a catch-up ends with nothing left to index (or a step failed) after this call;
  // false when `timeout` passed first.
  bool wait_caught_up(std::chrono::milliseconds timeout);

  struct Progress {
    std::uint64_t rows_indexed = 0;  // since start
    double busy_seconds = 0;         // in steps
    std::uint64_t steps = 0;
    std::uint64_t rebuilds = 0;  // outgrown indexes replaced
    double yielded_seconds = 0;  // left to bulk loads (BackgroundIndexerOptions::bulk_load_ratio)
  };
  Progress progress() const;

 private:
  void run();
  // Indexes rows until caught up, stopped or failed.
  void catch_up();
  // Whether rows arrive bulk_load_ratio times faster than the last step indexed them.
  bool bulk_load_under_way();
  // Waits a little for a bulk load to go on; false when stopping.
  bool yield_to_bulk_load();
  bool rebuild_due();
  // Builds the outgrown index's replacement over a copy of the table's rows and swaps it in.
  void rebuild();
  bool stopping() const;
  void say(std::string_view line) const;

  PostIndex& index_;
  const TableReader read_table_;
  const BackgroundIndexerOptions options_;
  // The indexer thread's own.
  std::size_t rows_per_step_ = 64;
  double indexing_rate_ = 0;  // rows a second of the last step
  // Arrivals (PostIndex::known_rows) are counted over windows of at least kArrivalWindow.
  std::chrono::steady_clock::time_point window_start_;
  std::size_t rows_at_window_start_ = 0;
  double arrival_rate_ = 0;  // rows a second over the last whole window
  bool said_any_ = false;
  bool failed_before_ = false;
  bool rebuild_failed_ = false;  // not tried again: the next start builds afresh anyway

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool woken_ = true;  // catch up at start
  bool busy_ = false;  // in a catch-up
  bool stopping_ = false;
  Progress progress_;
  std::thread thread_;  // last: starts once the rest is set up
};

}  // namespace feedrank::ranker
