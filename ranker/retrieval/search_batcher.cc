#include "ranker/retrieval/search_batcher.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "kernels/search_checks.h"

namespace feedrank::ranker {

absl::StatusOr<kernels::SearchResults> SearchBatcher::search(const kernels::SearchRequest& request,
                                                             std::size_t queries,
                                                             const kernels::VectorRows& rows,
                                                             const Search& search) {
  // A window with an end is searched alone: a batch searches the rows of its newest pin, past
  // any one caller's end.
  if (request.end_row != std::numeric_limits<std::size_t>::max()) return search(rows, request);
  Waiting me{&request, queries, &rows, kernels::SearchResults(), false};
  std::unique_lock lock(mutex_);
  queue_.push_back(&me);
  bool in_a_batch = false;  // known to be taken by another caller's batch
  while (!me.done) {
    if (searching_) {
      if (in_a_batch || request.deadline == std::chrono::steady_clock::time_point::max()) {
        done_.wait(lock);
      } else if (done_.wait_until(lock, request.deadline) == std::cv_status::timeout &&
                 !me.done) {
        // Past its deadline before any batch took it: it leaves without a search. Else the
        // batch that has it answers soon (DEADLINE_EXCEEDED once every caller in it is late).
        if (leave_queue(me)) return kernels::search_deadline_passed();
        in_a_batch = true;
      }
      continue;
    }
    // This caller searches for the queue's head (itself, or those ahead of it first).
    searching_ = true;
    std::vector<Waiting*> batch;
    std::size_t batch_queries = 0;
    while (!queue_.empty() &&
           (batch.empty() || batch_queries + queue_.front()->queries <= max_queries_)) {
      batch_queries += queue_.front()->queries;
      batch.push_back(queue_.front());
      queue_.pop_front();
    }
    lock.unlock();
    try {
      run(batch, search);
    } catch (const std::exception& e) {
      // Each caller gets the error; the batcher must not stay "searching" forever.
      for (Waiting* waiting : batch) {
        waiting->results = absl::InternalError(std::string("search failed: ") + e.what());
      }
    }
    lock.lock();
    // Marked done under the lock the waiters read it under (run() wrote the results unlocked).
    for (Waiting* waiting : batch) waiting->done = true;
    searching_ = false;
    ++counts_.batches;
    counts_.queries += batch_queries;
    done_.notify_all();
  }
  return std::move(me.results);
}

bool SearchBatcher::leave_queue(const Waiting& waiting) {
  const auto at = std::find(queue_.begin(), queue_.end(), &waiting);
  if (at == queue_.end()) return false;  // a batch has it: it waits for that batch's answer
  queue_.erase(at);
  return true;
}

SearchBatcher::Counts SearchBatcher::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

void SearchBatcher::run(std::span<Waiting* const> batch, const Search& search) {
  const auto alone = [&search](Waiting& waiting) {
    waiting.results = search(*waiting.rows, *waiting.request);
  };
  if (batch.size() == 1) return alone(*batch.front());

  const kernels::VectorRows* newest = batch.front()->rows;
  for (const Waiting* waiting : batch) {
    if (waiting->rows->rows > newest->rows) newest = waiting->rows;
  }
  kernels::SearchRequest together;
  together.k = 1;
  // Abandoned only once no caller waits for it any more: the latest of their deadlines.
  together.deadline = std::chrono::steady_clock::time_point::min();
  std::vector<float> queries;
  std::vector<std::vector<kernels::VectorId>> exclude;
  std::vector<std::size_t> first_rows;
  for (const Waiting* waiting : batch) {
    const kernels::SearchRequest& request = *waiting->request;
    queries.insert(queries.end(), request.queries.begin(), request.queries.end());
    together.k = std::max(together.k, request.k);
    together.deadline = std::max(together.deadline, request.deadline);
    for (std::size_t q = 0; q < waiting->queries; ++q) {
      exclude.push_back(request.exclude.empty() ? std::vector<kernels::VectorId>()
                                                : request.exclude[q]);
      first_rows.push_back(request.first_rows.empty() ? request.first_row : request.first_rows[q]);
    }
  }
  together.queries = queries;
  together.exclude = exclude;
  together.first_rows = first_rows;
  auto results = search(*newest, together);
  if (!results.ok()) {
    // One caller's bad request must not fail the others: each gets its own answer.
    for (Waiting* waiting : batch) alone(*waiting);
    return;
  }
  // Each caller's lists, cut to its own k: the best k of a best-k' list (k <= k') are the best k.
  std::size_t next = 0;
  for (Waiting* waiting : batch) {
    kernels::SearchResults own;
    for (std::size_t q = 0; q < waiting->queries; ++q, ++next) {
      std::vector<kernels::Neighbor>& list = (*results)[next];
      if (list.size() > static_cast<std::size_t>(waiting->request->k)) {
        list.resize(static_cast<std::size_t>(waiting->request->k));
      }
      own.push_back(std::move(list));
    }
    waiting->results = std::move(own);
  }
}

}  // namespace feedrank::ranker
