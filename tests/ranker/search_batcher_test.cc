// SearchBatcher: callers searched together get exactly what each would get alone (own k, exclude
// list, first row), a bad request fails only its own caller, a caller past its deadline leaves
// the queue, a request with an end row is searched alone, and callers that arrive while a search
// runs are served by one search.
#include "ranker/retrieval/search_batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "kernels/cpu/exact_scan_index.h"
#include "tests/kernels/synthetic_vectors.h"

namespace feedrank::ranker {
namespace {

using kernels::SearchRequest;
using kernels::SearchResults;
using kernels::VectorId;
using kernels::testing::gaussian_vectors;
using kernels::testing::SyntheticMatrix;

constexpr int kDim = 32;
constexpr int kCallers = 12;

class SearchBatcherTest : public ::testing::Test {
 protected:
  SearchBatcherTest() : matrix_(kDim), index_(kernels::make_cpu_exact_index(kDim, 1)) {
    matrix_.append(gaussian_vectors(5000, kDim, 5));
    for (std::size_t r = 0; r < 5000; r += 13) matrix_.tombstone(r);
    EXPECT_TRUE(index_->sync(matrix_.view()).ok());
    queries_ = gaussian_vectors(kCallers, kDim, 6);
    // Caller i: its own k, first row and excluded ids.
    for (int i = 0; i < kCallers; ++i) {
      SearchRequest request;
      request.queries = std::span(queries_).subspan(static_cast<std::size_t>(i) * kDim, kDim);
      request.k = 1 + 7 * i;
      request.first_row = static_cast<std::size_t>(i) * 300;
      excludes_.push_back({SyntheticMatrix::id_of(4000 + i), SyntheticMatrix::id_of(4500)});
      requests_.push_back(request);
    }
    for (int i = 0; i < kCallers; ++i) requests_[i].exclude = std::span(&excludes_[i], 1);
  }

  absl::StatusOr<SearchResults> alone(const SearchRequest& request) const {
    return index_->search(matrix_.view(), request);
  }
  absl::StatusOr<SearchResults> alone(const kernels::VectorRows& rows,
                                      const SearchRequest& request) const {
    return index_->search(rows, request);
  }

  // Every caller on the whole matrix.
  std::vector<kernels::VectorRows> same_rows() const {
    return std::vector<kernels::VectorRows>(kCallers, matrix_.view());
  }

  SyntheticMatrix matrix_;
  std::unique_ptr<kernels::VectorIndex> index_;
  std::vector<float> queries_;
  std::vector<std::vector<VectorId>> excludes_;
  std::vector<SearchRequest> requests_;
};

// Runs every request from its own thread, caller i on rows[i]; the first search the batcher
// makes waits until all callers have arrived, so the rest queue up behind it.
template <class Search>
std::vector<absl::StatusOr<SearchResults>> search_concurrently(
    SearchBatcher& batcher, const std::vector<SearchRequest>& requests,
    const std::vector<kernels::VectorRows>& rows, Search search_index) {
  std::atomic<int> arrived{0};
  std::atomic<bool> first{true};
  const SearchBatcher::Search search = [&](const kernels::VectorRows& batch_rows,
                                           const SearchRequest& request) {
    if (first.exchange(false)) {
      while (arrived.load() < static_cast<int>(requests.size())) std::this_thread::yield();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // they reach the queue
    }
    return search_index(batch_rows, request);
  };
  std::vector<absl::StatusOr<SearchResults>> results(requests.size(), SearchResults());
  std::vector<std::thread> callers;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    callers.emplace_back([&, i] {
      arrived.fetch_add(1);
      results[i] = batcher.search(requests[i], 1, rows[i], search);
    });
  }
  for (auto& caller : callers) caller.join();
  return results;
}

TEST_F(SearchBatcherTest, EachCallerGetsExactlyWhatItsOwnSearchReturns) {
  SearchBatcher batcher;
  const auto results = search_concurrently(batcher, requests_, same_rows(),
                                           [this](const kernels::VectorRows& rows,
                                                  const SearchRequest& request) {
                                             return alone(rows, request);
                                           });
  for (int i = 0; i < kCallers; ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status();
    const auto expected = alone(requests_[i]);
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(*results[i], *expected) << "caller " << i;
    EXPECT_EQ(results[i]->front().size(), static_cast<std::size_t>(requests_[i].k));
  }
  const SearchBatcher::Counts counts = batcher.counts();
  EXPECT_EQ(counts.queries, static_cast<std::size_t>(kCallers));
  EXPECT_LT(counts.batches, static_cast<std::size_t>(kCallers)) << "no caller was batched";
}

TEST_F(SearchBatcherTest, ABadQueryFailsOnlyItsOwnCaller) {
  std::vector<float> bad(kDim, std::numeric_limits<float>::quiet_NaN());
  requests_[3].queries = bad;
  SearchBatcher batcher;
  const auto results = search_concurrently(batcher, requests_, same_rows(),
                                           [this](const kernels::VectorRows& rows,
                                                  const SearchRequest& request) {
                                             return alone(rows, request);
                                           });
  for (int i = 0; i < kCallers; ++i) {
    if (i == 3) {
      EXPECT_TRUE(absl::IsInvalidArgument(results[i].status())) << results[i].status();
    } else {
      ASSERT_TRUE(results[i].ok()) << "caller " << i << ": " << results[i].status();
      EXPECT_EQ(*results[i], *alone(requests_[i])) << "caller " << i;
    }
  }
}

TEST_F(SearchBatcherTest, ABatchHoldsAtMostTheQueryLimit) {
  SearchBatcher batcher(/*max_queries_per_batch=*/4);
  std::atomic<std::size_t> largest{0};
  const auto results = search_concurrently(
      batcher, requests_, same_rows(),
      [&](const kernels::VectorRows& rows, const SearchRequest& request) {
        const std::size_t queries = request.queries.size() / kDim;
        std::size_t seen = largest.load();
        while (queries > seen && !largest.compare_exchange_weak(seen, queries)) {
        }
        return alone(rows, request);
      });
  for (int i = 0; i < kCallers; ++i) ASSERT_TRUE(results[i].ok());
  EXPECT_LE(largest.load(), 4u);
  EXPECT_GT(largest.load(), 1u) << "no caller was batched";
  EXPECT_GE(batcher.counts().batches, static_cast<std::size_t>(kCallers) / 4);
}

// Callers whose deadline passes while a search runs leave the queue with DEADLINE_EXCEEDED and
// are searched for by no batch; the others get their own answers.
TEST_F(SearchBatcherTest, ACallerPastItsDeadlineLeavesTheQueueUnsearched) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  for (int i = 0; i < kCallers; i += 2) requests_[i].deadline = deadline;  // the first search
  SearchBatcher batcher;                                                // sleeps past it
  const auto results = search_concurrently(batcher, requests_, same_rows(),
                                           [this](const kernels::VectorRows& rows,
                                                  const SearchRequest& request) {
                                             return alone(rows, request);
                                           });
  for (int i = 0; i < kCallers; ++i) {
    if (i % 2 == 0) {
      EXPECT_EQ(results[i].status().code(), absl::StatusCode::kDeadlineExceeded)
          << "caller " << i << ": " << results[i].status();
    } else {
      ASSERT_TRUE(results[i].ok()) << "caller " << i << ": " << results[i].status();
      EXPECT_EQ(*results[i], *alone(requests_[i])) << "caller " << i;
    }
  }
  // At most one of them was searched for: the caller that searched first, if it was one.
  EXPECT_LE(batcher.counts().queries, static_cast<std::size_t>(kCallers / 2 + 1));
}

// A request whose window ends inside the rows is searched alone, within its end, however many
// callers wait beside it; the others are still batched.
TEST_F(SearchBatcherTest, ARequestWithAnEndRowIsSearchedAlone) {
  std::size_t with_an_end = 0;
  for (int i = 0; i < kCallers; i += 3) {
    requests_[i].end_row = 4800 - static_cast<std::size_t>(i) * 100;
    ++with_an_end;
  }
  std::atomic<int> searches_with_an_end{0};
  SearchBatcher batcher;
  const auto results = search_concurrently(
      batcher, requests_, same_rows(),
      [&](const kernels::VectorRows& rows, const SearchRequest& request) {
        if (request.end_row != std::numeric_limits<std::size_t>::max()) {
          EXPECT_EQ(request.queries.size(), static_cast<std::size_t>(kDim)) << "batched";
          ++searches_with_an_end;
        }
        return alone(rows, request);
      });
  for (int i = 0; i < kCallers; ++i) {
    ASSERT_TRUE(results[i].ok()) << "caller " << i << ": " << results[i].status();
    EXPECT_EQ(*results[i], *alone(requests_[i])) << "caller " << i;
    for (const kernels::Neighbor& neighbor : results[i]->front()) {
      EXPECT_LT(SyntheticMatrix::row_of(neighbor.id), requests_[i].end_row) << "caller " << i;
    }
  }
  EXPECT_EQ(searches_with_an_end.load(), static_cast<int>(with_an_end));
  EXPECT_EQ(batcher.counts().queries, static_cast<std::size_t>(kCallers) - with_an_end);
}

// Callers that pinned the table before and after writes (fewer or more rows): every batch
// searches the rows of its newest pin, so that no caller misses a row it pinned.
TEST_F(SearchBatcherTest, ABatchSearchesTheRowsOfItsNewestPin) {
  std::vector<kernels::VectorRows> pins;
  for (int i = 0; i < kCallers; ++i) {
    kernels::VectorRows pin = matrix_.view();
    pin.rows = 5000 - 150 * static_cast<std::size_t>((i * 5) % kCallers);  // all different
    pins.push_back(pin);
  }
  // The caller whose query starts with `x`.
  const auto caller_of = [this](float x) {
    for (int i = 0; i < kCallers; ++i) {
      if (queries_[static_cast<std::size_t>(i) * kDim] == x) return i;
    }
    ADD_FAILURE() << "a query of no caller";
    return 0;
  };
  std::atomic<int> batches_checked{0};
  SearchBatcher batcher;
  const auto results = search_concurrently(
      batcher, requests_, pins,
      [&](const kernels::VectorRows& rows, const SearchRequest& request) {
        std::size_t newest = 0;
        for (std::size_t q = 0; q < request.queries.size() / kDim; ++q) {
          newest = std::max(newest, pins[caller_of(request.queries[q * kDim])].rows);
        }
        EXPECT_EQ(rows.rows, newest);
        ++batches_checked;
        return alone(request);
      });
  for (int i = 0; i < kCallers; ++i) ASSERT_TRUE(results[i].ok()) << results[i].status();
  EXPECT_EQ(batches_checked.load(), static_cast<int>(batcher.counts().batches));
  EXPECT_LT(batcher.counts().batches, static_cast<std::size_t>(kCallers)) << "no caller was batched";
}

}  // namespace
}  // namespace feedrank::ranker
