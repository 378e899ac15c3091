// The GPU index against reference_topk on random inputs. Every test skips, printing the
// reason, where no GPU is usable (and in builds without CUDA).
#include "kernels/gpu/gpu_index.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#if FEEDRANK_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

#include "absl/status/status.h"
#include "kernels/compute_backend.h"
#include "tests/kernels/gpu_test_support.h"
#include "tests/kernels/reference_topk.h"
#include "tests/kernels/skip_without_gpu.h"

namespace feedrank::kernels {
namespace {

using testing::Corpus;
using testing::random_corpus;
using testing::random_excludes;
using testing::random_queries;
using testing::reference_topk;

using testing::fp16_tolerance;
using testing::fp32_tolerance;

// Creates the index or skips the test with the reason there is none.
#define GPU_INDEX_OR_SKIP(var, dimension, options)                                  \
  auto var##_or = create_gpu_index((dimension), (options));                          \
  if (absl::IsUnavailable(var##_or.status())) {                                      \
    FEEDRANK_SKIP_WITHOUT_GPU(var##_or.status().message());                          \
  }                                                                                  \
  ASSERT_TRUE(var##_or.ok()) << var##_or.status();                                   \
  std::unique_ptr<GpuIndex> var = std::move(*var##_or)

// Small tiles, so that small inputs span many GEMM tiles and pool compactions.
GpuIndexOptions small_tiles(bool fp16) {
  GpuIndexOptions o;
  o.fp16_storage = fp16;
  o.score_tile_bytes = 256 << 10;
  o.initial_capacity_rows = 256;
  return o;
}

// fp32: same ids as the reference up to ties. fp16: scores close to the exact ones and recall
// >= 0.99 against the reference on the fp16-rounded matrix (what the index stores).
::testing::AssertionResult matches(const SearchResults& got, const Corpus& corpus,
                                   std::size_t rows, const SearchRequest& request, bool fp16) {
  if (!fp16) {
    return testing::same_topk(got, reference_topk(corpus.rows(rows), request), corpus.rows(rows),
                              request, fp32_tolerance(corpus.dimension));
  }
  const Corpus rounded = testing::fp16_rounded(corpus);
  return testing::close_topk(got, reference_topk(rounded.rows(rows), request), corpus.rows(rows),
                             request, fp16_tolerance(corpus.dimension), 0.99);
}

::testing::AssertionResult matches(const SearchResults& got, const Corpus& corpus,
                                   const SearchRequest& request, bool fp16) {
  return matches(got, corpus, corpus.size(), request, fp16);
}

// (fp16 storage, GEMM path forced)
class GpuIndexTest : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

TEST_P(GpuIndexTest, MatchesReference) {
  const auto [fp16, gemm] = GetParam();
  GpuIndexOptions options = small_tiles(fp16);
  // Batches of 2-8 take the GEMM by default; the fused scan's kernels for them stay tested.
  options.fused_max_batch = gemm ? 0 : 8;
  const int d = 128;
  GPU_INDEX_OR_SKIP(index, d, options);
  std::uint64_t seed = fp16 * 1000 + gemm * 100;
  const Corpus corpus = random_corpus(4097, d, seed++);
  for (std::size_t rows : {1000, 4097}) {  // not multiples of any tile size; the second sync
                                           // appends to the first
    ASSERT_TRUE(index->sync(corpus.rows(rows)).ok());
    for (int batch : {1, 7, 64, 300}) {
      const std::vector<float> queries = random_queries(batch, d, seed++);
      const auto exclude = random_excludes(corpus, rows, batch, 30, seed++);
      for (int k : {1, 10, 1000}) {
        for (bool with_excludes : {false, true}) {
          SCOPED_TRACE(std::to_string(rows) + " rows, batch " + std::to_string(batch) + ", k " +
                       std::to_string(k) + (with_excludes ? ", excludes" : ""));
          SearchRequest request;
          request.queries = queries;
          request.k = k;
          if (with_excludes) request.exclude = exclude;
          GpuSearchTiming timing;
          const auto got = index->search_timed(request, &timing);
          ASSERT_TRUE(got.ok()) << got.status();
          EXPECT_TRUE(matches(*got, corpus, rows, request, fp16)) << "path " << timing.path;
          if (gemm) {
            EXPECT_EQ(timing.path, "gemm");
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, GpuIndexTest,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) ? "Fp16" : "Fp32") +
                                  (std::get<1>(info.param) ? "Gemm" : "Auto");
                         });

TEST(GpuIndex, OddDimensionsTakeEveryPath) {
  for (int d : {1, 37, 300}) {
    for (bool fp16 : {false, true}) {
      GPU_INDEX_OR_SKIP(index, d, small_tiles(fp16));
      const Corpus corpus = random_corpus(777, d, 50 + d);
      ASSERT_TRUE(index->sync(corpus.rows()).ok());
      for (int batch : {1, 5, 20}) {
        const std::vector<float> queries = random_queries(batch, d, 60 + d + batch);
        SearchRequest request;
        request.queries = queries;
        request.k = 10;
        const auto got = index->search(corpus.rows(), request);
        ASSERT_TRUE(got.ok()) << got.status();
        EXPECT_TRUE(matches(*got, corpus, request, fp16)) << "d " << d << " batch " << batch;
      }
    }
  }
}

TEST(GpuIndex, IncrementalSyncAcrossGrowthAndNewTombstones) {
  for (bool fp16 : {false, true}) {
    GpuIndexOptions options = small_tiles(fp16);
    options.initial_capacity_rows = 64;
    GPU_INDEX_OR_SKIP(index, 64, options);
    Corpus corpus = random_corpus(3000, 64, 70);
    const std::vector<float> queries = random_queries(9, 64, 71);
    for (std::size_t rows : {50, 64, 65, 700, 3000}) {  // several doublings
      corpus.tombstone(rows / 2);                         // a row indexed earlier dies too
      ASSERT_TRUE(index->sync(corpus.rows(rows)).ok());
      ASSERT_EQ(index->indexed_rows(), rows);
      for (int batch : {1, 9}) {
        SearchRequest request;
        request.queries = std::span<const float>(queries).first(batch * 64);
        request.k = 20;
        const auto got = index->search(corpus.rows(rows), request);
        ASSERT_TRUE(got.ok()) << got.status();
        EXPECT_TRUE(matches(*got, corpus, rows, request, fp16)) << rows << " rows, batch " << batch;
      }
    }
  }
}

TEST(GpuIndex, LargeBatchesAreSplitIntoGroups) {
  GpuIndexOptions options = small_tiles(false);
  options.max_gemm_batch = 128;
  GPU_INDEX_OR_SKIP(index, 32, options);
  const Corpus corpus = random_corpus(2000, 32, 80);
  ASSERT_TRUE(index->sync(corpus.rows()).ok());
  const std::vector<float> queries = random_queries(300, 32, 81);
  const auto exclude = random_excludes(corpus, 2000, 300, 5, 82);
  SearchRequest request;
  request.queries = queries;
  request.k = 10;
  request.exclude = exclude;
  const auto got = index->search(corpus.rows(), request);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(matches(*got, corpus, request, false));
}

// Each query keeps to its own first row, as on the CPU backends (the out-of-network source scans
// only the newest rows; a batch holds several callers' queries, each with its own).
TEST(GpuIndex, EachQueryKeepsToItsOwnFirstRow) {
  for (const bool gemm : {false, true}) {
    GpuIndexOptions options = small_tiles(false);
    options.fused_max_batch = gemm ? 0 : 8;
    GPU_INDEX_OR_SKIP(index, 32, options);
    const Corpus corpus = random_corpus(2000, 32, 90);
    ASSERT_TRUE(index->sync(corpus.rows()).ok());
    // Eight queries: a batch the fused path takes when allowed (fused_max_batch 8).
    const std::vector<float> queries = random_queries(8, 32, 91);
    const std::vector<std::size_t> first_rows = {0, 500, 500, 1200, 0, 1995, 1995, 0};
    SearchRequest request;
    request.queries = queries;
    request.k = 10;
    request.first_rows = first_rows;
    const auto got = index->search(corpus.rows(), request);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_TRUE(matches(*got, corpus, request, false)) << (gemm ? "gemm" : "fused");
  }
}

TEST(GpuIndex, ConcurrentSearchesAgree) {
  GPU_INDEX_OR_SKIP(index, 64, small_tiles(false));
  const Corpus corpus = random_corpus(5000, 64, 90);
  ASSERT_TRUE(index->sync(corpus.rows()).ok());
  const std::vector<float> queries = random_queries(20, 64, 91);
  std::vector<SearchRequest> requests(6);
  for (int t = 0; t < 6; ++t) {
    requests[t].queries = std::span<const float>(queries).first((t % 2 ? 20 : 1) * 64);
    // k 300 and 1000 need different amounts of shared memory above the 48 KB default: the
    // per-kernel limit must not be lowered by one search under another's launch.
    requests[t].k = std::array{10, 300, 1000}[t % 3];
  }
  std::vector<absl::StatusOr<SearchResults>> got(6, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) got[t] = index->search(corpus.rows(), requests[t]);
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < 6; ++t) {
    ASSERT_TRUE(got[t].ok()) << got[t].status();
    EXPECT_TRUE(matches(*got[t], corpus, requests[t], false)) << "thread " << t;
  }
}

TEST(GpuIndex, RejectsBadInput) {
  GPU_INDEX_OR_SKIP(index, 16, GpuIndexOptions{});
  const Corpus corpus = random_corpus(100, 16, 100);
  std::vector<float> query = random_queries(1, 16, 101);
  SearchRequest request;
  request.queries = query;
  request.k = 10;
  EXPECT_EQ(index->search(corpus.rows(), request).status().code(),
            absl::StatusCode::kFailedPrecondition);  // nothing indexed yet
  ASSERT_TRUE(index->sync(corpus.rows()).ok());

  for (int k : {0, -1, 1025}) {
    request.k = k;
    EXPECT_EQ(index->search(corpus.rows(), request).status().code(),
              absl::StatusCode::kInvalidArgument)
        << "k " << k;
  }
  request.k = 10;
  query[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(index->search(corpus.rows(), request).status().code(),
            absl::StatusCode::kInvalidArgument);
  query[3] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(index->search(corpus.rows(), request).status().code(),
            absl::StatusCode::kInvalidArgument);
  query[3] = 0.5f;
  request.queries = std::span<const float>(query).first(15);
  EXPECT_EQ(index->search(corpus.rows(), request).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.queries = {};
  EXPECT_EQ(index->search(corpus.rows(), request).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.queries = query;
  const std::vector<std::vector<VectorId>> two_lists(2);
  request.exclude = two_lists;
  EXPECT_EQ(index->search(corpus.rows(), request).status().code(),
            absl::StatusCode::kInvalidArgument);

  const Corpus other = random_corpus(100, 8, 102);
  EXPECT_EQ(index->sync(other.rows()).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(index->sync(corpus.rows(50)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(index->indexed_rows(), 100u);

  EXPECT_EQ(create_gpu_index(0).status().code(), absl::StatusCode::kInvalidArgument);
  GpuIndexOptions bad_device;
  bad_device.device = 1000;
  EXPECT_EQ(create_gpu_index(16, bad_device).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A value beyond the fp16 range saturates to +-65504: one such row must not fail the sync of
// every later row (the index would never catch up again).
TEST(GpuIndex, Fp16IndexSaturatesValuesOutsideTheFp16Range) {
  GpuIndexOptions options;
  options.fp16_storage = true;
  GPU_INDEX_OR_SKIP(index, 8, options);
  Corpus corpus = random_corpus(100, 8, 110, /*tombstone_fraction=*/0.0);
  ASSERT_TRUE(index->sync(corpus.rows(40)).ok());
  corpus.data[70 * 8 + 3] = 1e5f;
  corpus.data[71 * 8 + 3] = -1e30f;
  const absl::Status s = index->sync(corpus.rows());
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(index->indexed_rows(), 100u);
  std::vector<float> query(8, 0.0f);
  for (const float sign : {1.0f, -1.0f}) {
    query[3] = sign;
    SearchRequest request;
    request.queries = query;
    request.k = 1;
    const auto got = index->search(corpus.rows(), request);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ((*got)[0].size(), 1u);
    EXPECT_EQ((*got)[0][0].id, corpus.ids[sign > 0 ? 70 : 71]);
    EXPECT_NEAR((*got)[0][0].score, 65504.0f, 1.0f);
  }
}

// max_gemm_batch above CUDA's grid limit would fail every large batch's launches: the factory
// rejects it, naming the option, before it looks for a GPU.
TEST(GpuIndex, RejectsMaxGemmBatchAboveTheGridLimit) {
  GpuIndexOptions options;
  options.max_gemm_batch = kMaxGemmBatch;
  EXPECT_NE(create_gpu_index(16, options).status().code(), absl::StatusCode::kInvalidArgument);
#if FEEDRANK_HAVE_CUDA
  for (const int bad : {kMaxGemmBatch + 1, 0}) {
    options.max_gemm_batch = bad;
    const absl::Status s = create_gpu_index(16, options).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_NE(s.message().find("max_gemm_batch"), std::string_view::npos) << s;
  }
#else
  GTEST_SKIP() << "a build without CUDA";
#endif
}

// A thread waiting for a search sleeps: CUDA's default spins when cores outnumber contexts,
// which held a core for every request waiting on the GPU.
TEST(GpuIndex, OpeningTheDeviceMakesWaitingThreadsSleep) {
#if FEEDRANK_HAVE_CUDA
  GPU_INDEX_OR_SKIP(index, 8, GpuIndexOptions{});
  unsigned flags = 0;
  ASSERT_EQ(cudaGetDeviceFlags(&flags), cudaSuccess);
  EXPECT_EQ(flags & cudaDeviceScheduleMask,
            static_cast<unsigned>(cudaDeviceScheduleBlockingSync));
#else
  GTEST_SKIP() << "a build without CUDA";
#endif
}

TEST(GpuIndex, TimingHooksReportDeviceTime) {
  GPU_INDEX_OR_SKIP(index, 128, GpuIndexOptions{});
  const Corpus corpus = random_corpus(20000, 128, 120);
  ASSERT_TRUE(index->sync(corpus.rows()).ok());
  const std::vector<float> queries = random_queries(64, 128, 121);
  SearchRequest request;
  request.queries = std::span<const float>(queries).first(128);
  request.k = 10;
  GpuSearchTiming timing;
  ASSERT_TRUE(index->search_timed(request, &timing).ok());
  EXPECT_EQ(timing.path, "fused");
  EXPECT_GT(timing.device_ms, 0.0);
  request.queries = queries;
  ASSERT_TRUE(index->search_timed(request, &timing).ok());
  EXPECT_EQ(timing.path, "gemm");
  const auto gemm = index->gemm_only_ms(queries);
  ASSERT_TRUE(gemm.ok()) << gemm.status();
  EXPECT_GT(*gemm, 0.0);
  EXPECT_NE(index->describe().find("gpu-exact (fp32 storage"), std::string::npos)
      << index->describe();
}

// Runs everywhere: without a GPU the factories say why, as UNAVAILABLE.
TEST(GpuIndex, FactoryExplainsMissingGpu) {
  std::string why;
  if (usable_gpu_count(&why) > 0) GTEST_SKIP() << "a GPU is present";
  const auto index = create_gpu_index(128);
  EXPECT_EQ(index.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(index.status().message().find(why), std::string_view::npos) << index.status();
}

}  // namespace
}  // namespace feedrank::kernels
