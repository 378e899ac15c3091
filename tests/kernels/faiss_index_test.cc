// What is particular to the FAISS backends: flat equals the reference on the batched (BLAS)
// path, HNSW and IVF reach their recall at default settings on clustered rows and their knobs
// move it, IVF trains at the documented row count, and index files round-trip.
#include "kernels/cpu/faiss_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <faiss/IndexHNSW.h>
#include <faiss/index_io.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "kernels/cpu/exact_scan_index.h"
#include "kernels/cpu/inner_products.h"
#include "tests/kernels/expect_topk.h"
#include "tests/kernels/reference_topk.h"
#include "tests/kernels/synthetic_vectors.h"
#include "tests/support/temp_dir.h"

namespace feedrank::kernels {
namespace {

using ::testing::HasSubstr;
using testing::clustered_vectors;
using testing::expect_same_topk;
using testing::gaussian_vectors;
using testing::recall;
using testing::SyntheticMatrix;

constexpr int kDim = 128;
constexpr int kClusters = 100;

// Exact answers for the recall tests, from the CPU exact scan (itself checked against
// reference_topk in exact_scan_test), because the double-precision reference is slow here.
SearchResults exact_answers(const SyntheticMatrix& matrix, const SearchRequest& request) {
  auto exact = make_cpu_exact_index(matrix.dimension);
  EXPECT_TRUE(exact->sync(matrix.view()).ok());
  return *exact->search(matrix.view(), request);
}

double measured_recall(const VectorIndex& index, const SyntheticMatrix& matrix,
                       const SearchRequest& request) {
  const auto results = index.search(matrix.view(), request);
  EXPECT_TRUE(results.ok()) << results.status();
  if (!results.ok()) return 0.0;
  testing::expect_valid_results(*results, matrix, request);
  const double r = recall(*results, exact_answers(matrix, request));
  std::cout << index.describe() << ": recall@" << request.k << " " << r << "\n";
  return r;
}

// Clustered rows and clustered queries near them, k = 10: the recall tests' corpus.
struct ClusteredCase {
  ClusteredCase(std::size_t rows, std::size_t query_count, std::uint64_t seed)
      : queries(clustered_vectors(query_count, kDim, kClusters, seed + 1)) {
    matrix.append(clustered_vectors(rows, kDim, kClusters, seed));
  }
  SyntheticMatrix matrix{kDim};
  std::vector<float> queries;
  SearchRequest request{queries, 10, {}};
};

// 40 queries: FAISS's flat search switches to BLAS from 20 queries on.
TEST(FaissFlat, MatchesTheReferenceOnTheBatchedPath) {
  SyntheticMatrix matrix(kDim);
  matrix.append(gaussian_vectors(6001, kDim, 31));
  const auto queries = gaussian_vectors(40, kDim, 32);
  auto index = make_faiss_index(kDim);
  ASSERT_TRUE(index->sync(matrix.view()).ok());
  EXPECT_EQ(index->describe(), "faiss-flat-ip");
  for (int k : {10, 1000}) {
    for (bool deleted : {false, true}) {
      if (deleted) {
        for (std::size_t r = 0; r < matrix.rows(); r += 2) matrix.tombstone(r);
      }
      const SearchRequest request{queries, k, {}};
      const auto results = index->search(matrix.view(), request);
      ASSERT_TRUE(results.ok()) << results.status();
      expect_same_topk(*results, testing::reference_topk(matrix.view(), request), matrix,
                       request);
    }
  }
}

// 10,000 clustered rows (the build takes 1-2 s on 2 cores). One test, since CTest runs each
// test in its own process: the knob is checked on the same graph, saved and loaded with other
// efSearch values. Measured: 0.995 at efSearch 64, 0.78 at 10 (the beam is never narrower
// than k), 1.0 at 256.
TEST(FaissHnsw, ReachesRecallAt10Of95PercentAtDefaultsAndEfSearchMovesIt) {
  ClusteredCase corpus(10'000, 200, 41);
  auto& [matrix, queries, request] = corpus;
  auto index = make_faiss_index(kDim, {.kind = FaissIndexOptions::kHnsw});
  ASSERT_TRUE(index->sync(matrix.view()).ok());
  EXPECT_EQ(index->describe(), "faiss-hnsw (M=32, efConstruction=200, efSearch=64, " +
                                   std::string(cpu::row_product_kernel()) +
                                   " prefetching walk)");
  EXPECT_GE(measured_recall(*index, matrix, request), 0.95);

  feedrank::testing::TempDir files;
  ASSERT_TRUE(save_faiss_index(*index, files.sub("hnsw.faiss")).ok());
  auto load = [&](int ef_search) {
    auto loaded = load_faiss_index(files.sub("hnsw.faiss"), kDim,
                                   {.kind = FaissIndexOptions::kHnsw, .ef_search = ef_search});
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return std::move(loaded).value();
  };
  EXPECT_LT(measured_recall(*load(10), matrix, request), 0.9);
  EXPECT_GE(measured_recall(*load(256), matrix, request), 0.99);
}

// The background indexer syncs a few rows at a time, and a restart goes on from a loaded graph
// the inserter did not build: the graph must come out as good as one built in one call. Steps
// of 1 to 40 rows, a save and load at 4,000 rows, so that the inserter's locks and tables grow
// several times and start again on a loaded graph.
TEST(FaissHnsw, SmallSyncsAndALoadHalfwayBuildAsGoodAGraphAsOneCall) {
  ClusteredCase corpus(10'000, 200, 41);
  auto& [matrix, queries, request] = corpus;
  const FaissIndexOptions options{.kind = FaissIndexOptions::kHnsw};
  feedrank::testing::TempDir files;
  auto index = make_faiss_index(kDim, options);
  std::size_t synced = 0;
  for (std::size_t step = 1; synced < matrix.rows(); step = step % 40 + 1) {
    VectorRows prefix = matrix.view();
    prefix.rows = std::min(matrix.rows(), synced + step);
    ASSERT_TRUE(index->sync(prefix).ok());
    ASSERT_EQ(index->indexed_rows(), prefix.rows);
    const bool crossed_halfway = synced < 4000 && prefix.rows >= 4000;
    synced = prefix.rows;
    if (crossed_halfway) {
      ASSERT_TRUE(save_faiss_index(*index, files.sub("half.faiss")).ok());
      auto loaded = load_faiss_index(files.sub("half.faiss"), kDim, options);
      ASSERT_TRUE(loaded.ok()) << loaded.status();
      index = std::move(loaded).value();
      ASSERT_EQ(index->indexed_rows(), synced);
    }
  }
  EXPECT_GE(measured_recall(*index, matrix, request), 0.95);
}

// The graph reads the caller's matrix in place: a saved file holds the graph without the rows
// (a copy of the rows alone would be 512 bytes a row), and a file FAISS wrote with the rows in
// its storage, as files saved before did, still loads and searches the caller's rows.
TEST(FaissHnsw, ReadsTheCallersRowsInPlaceAndSavesTheGraphOnly) {
  ClusteredCase corpus(4'000, 100, 43);
  auto& [matrix, queries, request] = corpus;
  const FaissIndexOptions options{.kind = FaissIndexOptions::kHnsw};
  const std::size_t row_bytes = kDim * sizeof(float);
  feedrank::testing::TempDir files;

  auto index = make_faiss_index(kDim, options);
  ASSERT_TRUE(index->sync(matrix.view()).ok());
  EXPECT_LT(index->memory_bytes(), matrix.rows() * row_bytes);
  ASSERT_TRUE(save_faiss_index(*index, files.sub("graph.faiss")).ok());
  EXPECT_LT(std::filesystem::file_size(files.sub("graph.faiss")), matrix.rows() * row_bytes);

  faiss::IndexHNSWFlat with_rows(kDim, 32, faiss::METRIC_INNER_PRODUCT);
  with_rows.add(static_cast<faiss::Index::idx_t>(matrix.rows()), matrix.view().data);
  faiss::write_index(&with_rows, files.sub("with-rows.faiss").c_str());
  EXPECT_GT(std::filesystem::file_size(files.sub("with-rows.faiss")), matrix.rows() * row_bytes);
  auto loaded = load_faiss_index(files.sub("with-rows.faiss"), kDim, options);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->indexed_rows(), matrix.rows());
  EXPECT_LT((*loaded)->memory_bytes(), matrix.rows() * row_bytes);
  EXPECT_GE(measured_recall(**loaded, matrix, request), 0.95);
}

// 4 * sqrt(24,336) = 624 lists and 39 * 624 = 24,336 rows: the first row count that trains.
TEST(FaissIvfFlat, TrainsAtTheDocumentedRowCountAndReachesItsRecall) {
  SyntheticMatrix matrix(kDim);
  matrix.append(clustered_vectors(24'335, kDim, kClusters, 51));
  const auto queries = clustered_vectors(200, kDim, kClusters, 52);
  const SearchRequest request{queries, 10, {}};
  auto index = make_faiss_index(kDim, {.kind = FaissIndexOptions::kIvfFlat});
  ASSERT_TRUE(index->sync(matrix.view()).ok());
  EXPECT_THAT(index->describe(), HasSubstr("untrained"));
  EXPECT_EQ(measured_recall(*index, matrix, request), 1.0);  // still exact

  matrix.append(clustered_vectors(1, kDim, kClusters, 53));
  ASSERT_TRUE(index->sync(matrix.view()).ok());
  EXPECT_EQ(index->describe(), "faiss-ivf-flat (lists=624, nprobe=16)");
  EXPECT_EQ(index->indexed_rows(), 24'336u);
  // Measured 0.63: 16 of 624 lists is 2.6% of the rows, and each of the 100 clusters spreads
  // over about 6 lists. nprobe is the knob (0.90 at 64).
  const double default_recall = measured_recall(*index, matrix, request);
  EXPECT_GE(default_recall, 0.55);

  feedrank::testing::TempDir files;
  ASSERT_TRUE(save_faiss_index(*index, files.sub("ivf.faiss")).ok());
  const auto wider = load_faiss_index(files.sub("ivf.faiss"), kDim,
                                      {.kind = FaissIndexOptions::kIvfFlat, .nprobe = 64});
  ASSERT_TRUE(wider.ok()) << wider.status();
  const double wider_recall = measured_recall(**wider, matrix, request);
  EXPECT_GE(wider_recall, 0.85);
  EXPECT_GT(wider_recall, default_recall + 0.1);
}

TEST(FaissIndexFiles, LoadChecksKindAndDimensionAndReportsFaissErrors) {
  feedrank::testing::TempDir files;
  SyntheticMatrix matrix(16);
  matrix.append(gaussian_vectors(100, 16, 61));
  auto flat = make_faiss_index(16);
  ASSERT_TRUE(flat->sync(matrix.view()).ok());
  ASSERT_TRUE(save_faiss_index(*flat, files.sub("flat.faiss")).ok());

  const auto loaded = load_faiss_index(files.sub("flat.faiss"), 16, {});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->indexed_rows(), 100u);

  auto status = load_faiss_index(files.sub("flat.faiss"), 32, {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("dimension 16 index, not 32"));
  status = load_faiss_index(files.sub("flat.faiss"), 16, {.kind = FaissIndexOptions::kHnsw})
               .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("options.kind"));
  status = load_faiss_index(files.sub("missing.faiss"), 16, {}).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("faiss read_index"));

  status = save_faiss_index(*make_cpu_exact_index(16), files.sub("exact.faiss"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  status = save_faiss_index(*flat, files.sub("no/such/dir/flat.faiss"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
}

}  // namespace
}  // namespace feedrank::kernels
