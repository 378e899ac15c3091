// SearchBatcher: callers searched together get exactly what each would get alone (own k, exclude
// list, first row), a bad request fails only its own caller, and callers that arrive while a
// search runs are served by one search.
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

  SyntheticMatrix matrix_;
  std::unique_ptr<kernels::VectorIndex> index_;
  std::vector<float> queries_;
  std::vector<std::vector<VectorId>> excludes_;
  std::vector<SearchRequest> requests_;
};

// Runs every request from its own thread; the first search the batcher makes waits until all
// callers have arrived, so the rest queue up behind it.
template <class Search>
std::vector<absl::StatusOr<SearchResults>> search_concurrently(
    SearchBatcher& batcher, const std::vector<SearchRequest>& requests, Search search_index) {
  std::atomic<int> arrived{0};
  std::atomic<bool> first{true};
  const SearchBatcher::Search search = [&](const SearchRequest& request) {
    if (first.exchange(false)) {
      while (arrived.load() < static_cast<int>(requests.size())) std::this_thread::yield();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // they reach the queue
    }
    return search_index(request);
  };
  std::vector<absl::StatusOr<SearchResults>> results(requests.size(), SearchResults());
  std::vector<std::thread> callers;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    callers.emplace_back([&, i] {
      arrived.fetch_add(1);
      results[i] = batcher.search(requests[i], 1, search);
    });
  }
  for (auto& caller : callers) caller.join();
  return results;
}

TEST_F(SearchBatcherTest, EachCallerGetsExactlyWhatItsOwnSearchReturns) {
  SearchBatcher batcher;
  const auto results = search_concurrently(
      batcher, requests_, [this](const SearchRequest& request) { return alone(request); });
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
  const auto results = search_concurrently(
      batcher, requests_, [this](const SearchRequest& request) { return alone(request); });
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
  const auto results = search_concurrently(batcher, requests_, [&](const SearchRequest& request) {
    const std::size_t queries = request.queries.size() / kDim;
    std::size_t seen = largest.load();
    while (queries > seen && !largest.compare_exchange_weak(seen, queries)) {
    }
    return alone(request);
  });
  for (int i = 0; i < kCallers; ++i) ASSERT_TRUE(results[i].ok());
  EXPECT_LE(largest.load(), 4u);
  EXPECT_GT(largest.load(), 1u) << "no caller was batched";
  EXPECT_GE(batcher.counts().batches, static_cast<std::size_t>(kCallers) / 4);
}

}  // namespace
}  // namespace feedrank::ranker
