// The VectorIndex contract, run against every CPU backend: the same bad input gives the same
// code and a message naming the field; sync is incremental; deleted and excluded rows never come
// back; results come in result order. The exact backends (IVF too: its 4 lists are all probed)
// must equal the reference; HNSW must return valid results with recall@k >= 0.95.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "common/half_float.h"
#include "kernels/cpu/exact_scan_index.h"
#include "kernels/cpu/faiss_index.h"
#include "tests/kernels/expect_topk.h"
#include "tests/kernels/reference_topk.h"
#include "tests/kernels/synthetic_vectors.h"

namespace feedrank::kernels {
namespace {

using ::testing::HasSubstr;
using testing::expect_same_topk;
using testing::gaussian_vectors;
using testing::reference_topk;
using testing::SyntheticMatrix;

constexpr int kDim = 24;  // not a multiple of 8: the kernels' tails run too

struct Backend {
  std::string name;
  std::function<std::unique_ptr<VectorIndex>()> make;
  bool exact = true;
};

void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

std::vector<Backend> backends() {
  FaissIndexOptions hnsw{.kind = FaissIndexOptions::kHnsw};
  FaissIndexOptions ivf{.kind = FaissIndexOptions::kIvfFlat, .ivf_lists = 4, .nprobe = 4};
  return {
      {"CpuExact", [] { return make_cpu_exact_index(kDim, 2); }},
      {"FaissFlat", [] { return make_faiss_index(kDim); }},
      {"FaissHnsw", [hnsw] { return make_faiss_index(kDim, hnsw); }, false},
      {"FaissIvfFlat", [ivf] { return make_faiss_index(kDim, ivf); }},
  };
}

void expect_status(const absl::Status& status, absl::StatusCode code, const std::string& field) {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(field)) << status;
}

class VectorIndexContract : public ::testing::TestWithParam<Backend> {
 protected:
  VectorIndexContract() : matrix_(kDim), index_(GetParam().make()) {
    matrix_.append(gaussian_vectors(2000, kDim, 21));
  }
  // The reference's answer (exact backends) or one close enough (HNSW).
  void expect_answer(const absl::StatusOr<SearchResults>& results, const SyntheticMatrix& matrix,
                     const SearchRequest& request) {
    ASSERT_TRUE(results.ok()) << results.status();
    const auto expected = reference_topk(matrix.view(), request);
    if (GetParam().exact) {
      expect_same_topk(*results, expected, matrix, request);
    } else {
      testing::expect_valid_results(*results, matrix, request);
      EXPECT_GE(testing::recall(*results, expected), 0.95);
    }
  }

  absl::StatusOr<SearchResults> search(std::span<const float> queries, int k,
                                       std::span<const std::vector<VectorId>> exclude = {}) {
    return index_->search(matrix_.view(), {queries, k, exclude});
  }

  SyntheticMatrix matrix_;
  std::unique_ptr<VectorIndex> index_;
  std::vector<float> queries_ = gaussian_vectors(3, kDim, 22);
};

TEST_P(VectorIndexContract, RejectsKOutsideOneToMax) {
  ASSERT_TRUE(index_->sync(matrix_.view()).ok());
  expect_status(search(queries_, 0).status(), absl::StatusCode::kInvalidArgument, "k: 0");
  expect_status(search(queries_, kMaxTopK + 1).status(), absl::StatusCode::kInvalidArgument,
                "k: 1025");
  EXPECT_TRUE(search(queries_, kMaxTopK).ok());
}

TEST_P(VectorIndexContract, RejectsQueriesThatAreNotWholeVectors) {
  ASSERT_TRUE(index_->sync(matrix_.view()).ok());
  expect_status(search(std::span(queries_).first(kDim + 1), 5).status(),
                absl::StatusCode::kInvalidArgument, "queries: 25 values");
  expect_status(search({}, 5).status(), absl::StatusCode::kInvalidArgument, "queries: 0 values");
}

TEST_P(VectorIndexContract, RejectsNonFiniteQueryValues) {
  ASSERT_TRUE(index_->sync(matrix_.view()).ok());
  queries_[kDim + 5] = std::nanf("");
  expect_status(search(queries_, 5).status(), absl::StatusCode::kInvalidArgument,
                "queries[1][5]");
  queries_[kDim + 5] = 0.0f;
  queries_[2 * kDim] = std::numeric_limits<float>::infinity();
  expect_status(search(queries_, 5).status(), absl::StatusCode::kInvalidArgument,
                "queries[2][0]");
}

TEST_P(VectorIndexContract, RejectsExcludeListsThatDoNotMatchTheQueries) {
  ASSERT_TRUE(index_->sync(matrix_.view()).ok());
  const std::vector<std::vector<VectorId>> two(2);
  expect_status(search(queries_, 5, two).status(), absl::StatusCode::kInvalidArgument,
                "exclude: 2 lists for 3 queries");
}

TEST_P(VectorIndexContract, EmptyIndexIsAFailedPrecondition) {
  expect_status(search(queries_, 5).status(), absl::StatusCode::kFailedPrecondition, "index:");
  SyntheticMatrix empty(kDim);
  ASSERT_TRUE(index_->sync(empty.view()).ok());
  EXPECT_EQ(index_->indexed_rows(), 0u);
  expect_status(index_->search(empty.view(), {queries_, 5, {}}).status(),
                absl::StatusCode::kFailedPrecondition, "index:");
}

// A caller whose deadline has passed gets DEADLINE_EXCEEDED, not an answer it no longer reads;
// one still ahead gets the answer.
TEST_P(VectorIndexContract, ASearchPastItsDeadlineIsDeadlineExceeded) {
  ASSERT_TRUE(index_->sync(matrix_.view()).ok());
  SearchRequest request{queries_, 5, {}};
  request.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
  expect_status(index_->search(matrix_.view(), request).status(),
                absl::StatusCode::kDeadlineExceeded, "deadline");
  request.deadline = std::chrono::steady_clock::now() + std::chrono::hours(1);
  expect_answer(index_->search(matrix_.view(), request), matrix_, request);
}

TEST_P(VectorIndexContract, SyncRejectsAnotherDimensionOrAShorterMatrix) {
  SyntheticMatrix wide(kDim + 8);
  wide.append(gaussian_vectors(10, kDim + 8, 23));
  expect_status(index_->sync(wide.view()), absl::StatusCode::kInvalidArgument,
                "rows.dimension: 32");
  ASSERT_TRUE(index_->sync(matrix_.view()).ok());
  VectorRows shorter = matrix_.view();
  shorter.rows = 1500;
  expect_status(index_->sync(shorter), absl::StatusCode::kInvalidArgument, "rows.rows: 1500");
  expect_status(index_->search(shorter, {queries_, 5, {}}).status(),
                absl::StatusCode::kInvalidArgument, "rows.rows: 1500");
  EXPECT_EQ(index_->indexed_rows(), 2000u);
}

TEST_P(VectorIndexContract, MatchesTheReference) {
  ASSERT_TRUE(index_->sync(matrix_.view()).ok());
  for (int k : {1, 10, 100}) {
    const SearchRequest request{queries_, k, {}};
    expect_answer(index_->search(matrix_.view(), request), matrix_, request);
  }
}

// A matrix kept at half precision answers as the same matrix widened to floats: built from the
// halves, the index meets the contract on the widened rows, and a search that reads the halves
// in place (the exact scan, the HNSW walk) gives bit for bit what it gives reading the floats.
TEST_P(VectorIndexContract, HalfRowsAnswerAsTheirWidenedFloats) {
  std::vector<std::uint16_t> halves(matrix_.data.size());
  half_bits_of(matrix_.data, halves);
  SyntheticMatrix widened(kDim);
  widened.append(std::vector<float>(matrix_.data.size()));
  floats_of_half_bits(halves, widened.data);
  ASSERT_NE(widened.data, matrix_.data) << "the rows must lose bits at half precision";
  widened.tombstone(5);
  VectorRows half_rows = widened.view();
  half_rows.data = nullptr;
  half_rows.halves = halves.data();

  ASSERT_TRUE(index_->sync(half_rows).ok());
  for (int k : {1, 10, 100}) {
    const SearchRequest request{queries_, k, {}};
    const auto from_halves = index_->search(half_rows, request);
    expect_answer(from_halves, widened, request);
    const auto from_floats = index_->search(widened.view(), request);
    ASSERT_TRUE(from_floats.ok()) << from_floats.status();
    EXPECT_EQ(*from_halves, *from_floats) << "k " << k;
  }
}

TEST_P(VectorIndexContract, SyncRejectsRowsGivenAsBothFloatsAndHalves) {
  std::vector<std::uint16_t> halves(matrix_.data.size());
  VectorRows both = matrix_.view();
  both.halves = halves.data();
  expect_status(index_->sync(both), absl::StatusCode::kInvalidArgument, "halves");
}

TEST_P(VectorIndexContract, SyncAddsNewRowsIncrementally) {
  VectorRows first = matrix_.view();
  first.rows = 1000;
  ASSERT_TRUE(index_->sync(first).ok());
  EXPECT_EQ(index_->indexed_rows(), 1000u);
  const std::span<const float> query(queries_.data(), kDim);
  ASSERT_TRUE(search(query, 10).ok());

  // A row far better than all others, appended after the 1000 synced rows.
  std::vector<float> best(query.begin(), query.end());
  for (float& x : best) x *= 50.0f;
  matrix_.append(best);
  ASSERT_TRUE(index_->sync(matrix_.view()).ok());
  EXPECT_EQ(index_->indexed_rows(), 2001u);
  const auto results = search(query, 10);
  ASSERT_TRUE(results.ok());
  EXPECT_EQ((*results)[0][0].id, SyntheticMatrix::id_of(2000));
  expect_answer(results, matrix_, {query, 10, {}});
}

TEST_P(VectorIndexContract, DeletedAndExcludedRowsNeverComeBack) {
  ASSERT_TRUE(index_->sync(matrix_.view()).ok());
  const auto before = search(queries_, 20);
  ASSERT_TRUE(before.ok());
  // Delete every third row and each query's 5 best; exclude each query's next 5.
  std::vector<std::vector<VectorId>> exclude(3);
  for (std::size_t r = 0; r < matrix_.rows(); r += 3) matrix_.tombstone(r);
  for (std::size_t q = 0; q < 3; ++q) {
    for (int i = 0; i < 5; ++i) matrix_.tombstone(SyntheticMatrix::row_of((*before)[q][i].id));
    for (int i = 5; i < 10; ++i) exclude[q].push_back((*before)[q][i].id);
  }
  ASSERT_TRUE(index_->sync(matrix_.view()).ok());
  for (bool with_exclude : {false, true}) {
    const SearchRequest request{queries_, 50,
                                with_exclude ? std::span<const std::vector<VectorId>>(exclude)
                                             : std::span<const std::vector<VectorId>>()};
    expect_answer(index_->search(matrix_.view(), request), matrix_, request);
  }
}

TEST_P(VectorIndexContract, RejectsFirstRowsThatDoNotMatchTheQueries) {
  ASSERT_TRUE(index_->sync(matrix_.view()).ok());
  const std::vector<std::size_t> two = {0, 10};
  SearchRequest request{queries_, 5, {}};
  request.first_rows = two;
  expect_status(index_->search(matrix_.view(), request).status(),
                absl::StatusCode::kInvalidArgument, "first_rows");
}

// Per-query first rows (callers' queries searched together) bind each query to its own window.
TEST_P(VectorIndexContract, EachQueryKeepsToItsOwnFirstRow) {
  ASSERT_TRUE(index_->sync(matrix_.view()).ok());
  const std::vector<std::size_t> first_rows = {0, 700, 1990};
  const std::vector<std::vector<VectorId>> exclude = {{}, {matrix_.id_of(1500)}, {}};
  SearchRequest request{queries_, 20, exclude};
  request.first_rows = first_rows;
  const auto results = index_->search(matrix_.view(), request);
  ASSERT_TRUE(results.ok()) << results.status();
  for (std::size_t q = 0; q < first_rows.size(); ++q) {
    for (const Neighbor& neighbor : (*results)[q]) {
      EXPECT_GE(SyntheticMatrix::row_of(neighbor.id), first_rows[q]) << "query " << q;
    }
  }
  if (GetParam().exact) expect_answer(results, matrix_, request);
}

// An end row (the rows of posts created after a past as_of) binds every query, also beside
// per-query first rows.
TEST_P(VectorIndexContract, EveryQueryKeepsBeforeTheEndRow) {
  ASSERT_TRUE(index_->sync(matrix_.view()).ok());
  const std::vector<std::size_t> first_rows = {0, 300, 100};
  SearchRequest request{queries_, 20, {}};
  for (const bool own_first_rows : {false, true}) {
    request.end_row = own_first_rows ? 700 : 900;
    if (own_first_rows) request.first_rows = first_rows;
    const auto results = index_->search(matrix_.view(), request);
    ASSERT_TRUE(results.ok()) << results.status();
    for (std::size_t q = 0; q < results->size(); ++q) {
      EXPECT_FALSE((*results)[q].empty()) << "query " << q;
      for (const Neighbor& neighbor : (*results)[q]) {
        EXPECT_LT(SyntheticMatrix::row_of(neighbor.id), request.end_row) << "query " << q;
      }
    }
    if (GetParam().exact) expect_answer(results, matrix_, request);
  }
}

TEST_P(VectorIndexContract, ReturnsFewerThanKWhenFewRowsAreLive) {
  SyntheticMatrix small(kDim);
  small.append(gaussian_vectors(20, kDim, 24));
  for (std::size_t r = 0; r < 15; ++r) small.tombstone(r);
  ASSERT_TRUE(index_->sync(small.view()).ok());
  const SearchRequest request{queries_, 10, {}};
  const auto results = index_->search(small.view(), request);
  ASSERT_TRUE(results.ok());
  for (const auto& list : *results) EXPECT_EQ(list.size(), 5u);
  expect_answer(results, small, request);
}

INSTANTIATE_TEST_SUITE_P(Backends, VectorIndexContract, ::testing::ValuesIn(backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace feedrank::kernels
