// Searches the queries of concurrent callers together. A scan-based index (the CPU exact scan)
// reads the whole matrix window once per search, whatever the number of queries, so under load
// one search for every caller waiting costs little more than one for a single caller.
//
// No caller waits for a batch to fill: the first caller searches at once; callers that arrive
// while a search runs queue up, and when it ends one of them searches for all of the queue.
// Each caller gets exactly what its own search would have returned (its own k, exclude list and
// first row), or DEADLINE_EXCEEDED when its deadline passes while it waits for a batch (a batch
// runs until the latest deadline of its callers). Callers hold pins of the same table
// (EmbeddingTable::Pinned) that may have been taken before and after a write: a batch searches
// the rows of its newest pin, so that each caller sees at least the rows it pinned (a later
// write's rows too, which are live posts all the same). A request with an end row is searched
// alone: a batch's rows may run past its end.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <span>

#include "absl/status/statusor.h"
#include "kernels/vector_index.h"

namespace feedrank::ranker {

class SearchBatcher {
 public:
  // Runs one (batched) request on the index over these rows.
  using Search = std::function<absl::StatusOr<kernels::SearchResults>(
      const kernels::VectorRows&, const kernels::SearchRequest&)>;

  explicit SearchBatcher(std::size_t max_queries_per_batch = 64)
      : max_queries_(max_queries_per_batch) {}

  // `request`'s own results (it holds `queries` queries), searched alone or together with other
  // callers' requests through `search` (which must be the same for every caller).
  absl::StatusOr<kernels::SearchResults> search(const kernels::SearchRequest& request,
                                                std::size_t queries,
                                                const kernels::VectorRows& rows,
                                                const Search& search);

  // Batches run and queries in them since construction (for tests and benchmarks).
  struct Counts {
    std::size_t batches = 0;
    std::size_t queries = 0;
  };
  Counts counts() const;

 private:
  struct Waiting {
    const kernels::SearchRequest* request;
    std::size_t queries;
    const kernels::VectorRows* rows;
    absl::StatusOr<kernels::SearchResults> results;
    bool done = false;
  };
  // Takes a caller out of the queue; false when a batch has taken it already. Under mutex_.
  bool leave_queue(const Waiting& waiting);
  // Searches `batch` as one request and hands each caller its part.
  static void run(std::span<Waiting* const> batch, const Search& search);

  const std::size_t max_queries_;
  mutable std::mutex mutex_;
  std::condition_variable done_;
  std::deque<Waiting*> queue_;
  bool searching_ = false;
  Counts counts_;
};

}  // namespace feedrank::ranker
