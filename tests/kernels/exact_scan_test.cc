// The CPU exact scan against the brute-force reference: sizes that are not multiples of any
// block, one and many threads, k from 1 to kMaxTopK, tombstones and exclude lists; and its two
// inner-product kernels against double precision.
#include "kernels/cpu/exact_scan_index.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>

#include "common/half_float.h"
#include "kernels/cpu/inner_products.h"
#include "tests/kernels/expect_topk.h"
#include "tests/kernels/reference_topk.h"
#include "tests/kernels/synthetic_vectors.h"

namespace feedrank::kernels {
namespace {

using testing::expect_same_topk;
using testing::gaussian_vectors;
using testing::reference_topk;
using testing::SyntheticMatrix;

struct Case {
  std::size_t rows;
  int dimension;
  std::size_t queries;
  int k;
  int threads;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.rows << " rows, d " << c.dimension << ", " << c.queries << " queries, k " << c.k
      << ", " << c.threads << " threads";
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  const Case& c = info.param;
  return "rows" + std::to_string(c.rows) + "_d" + std::to_string(c.dimension) + "_q" +
         std::to_string(c.queries) + "_k" + std::to_string(c.k) + "_t" +
         std::to_string(c.threads);
}

class ExactScanMatchesReference : public ::testing::TestWithParam<Case> {};

TEST_P(ExactScanMatchesReference, OnGaussianRows) {
  const Case& c = GetParam();
  SyntheticMatrix matrix{c.dimension};
  matrix.append(gaussian_vectors(c.rows, c.dimension, 1));
  const auto queries = gaussian_vectors(c.queries, c.dimension, 2);
  auto index = make_cpu_exact_index(c.dimension, c.threads);
  ASSERT_TRUE(index->sync(matrix.view()).ok());
  const SearchRequest request{queries, c.k, {}};
  const auto results = index->search(matrix.view(), request);
  ASSERT_TRUE(results.ok()) << results.status();
  expect_same_topk(*results, reference_topk(matrix.view(), request), matrix, request);
}

// 70001 rows split over two threads at a block boundary; 1000 and 12345 end mid-block; 3 rows is
// fewer than k; d = 37 exercises the kernel's scalar tail; 67 queries leave a group of 1 query
// after the 3-query groups and span two 64-query score blocks.
INSTANTIATE_TEST_SUITE_P(
    Sizes, ExactScanMatchesReference,
    ::testing::Values(Case{1000, 128, 1, 1, 1}, Case{1000, 128, 1, 10, 1},
                      Case{1000, 128, 1, 1000, 1}, Case{12345, 128, 1, 10, 0},
                      Case{70001, 128, 2, 10, 2}, Case{70001, 128, 1, 1024, 2},
                      Case{5003, 128, 67, 10, 0}, Case{5003, 128, 67, 1000, 2},
                      Case{3, 128, 2, 10, 1}, Case{2999, 37, 5, 100, 1}),
    case_name);

// Rows repeat 5 distinct vectors, so scores tie exactly; the smaller ids must win, across the
// two threads' halves too.
TEST(ExactScan, BreaksTiesBySmallerId) {
  constexpr int kDim = 16;
  const auto distinct = gaussian_vectors(5, kDim, 12);
  SyntheticMatrix matrix{kDim};
  for (int r = 0; r < 70001; ++r) {
    const std::size_t v = (r * 3) % 5;
    matrix.append({distinct.begin() + v * kDim, distinct.begin() + (v + 1) * kDim});
  }
  const auto queries = gaussian_vectors(3, kDim, 13);
  auto index = make_cpu_exact_index(kDim, 2);
  ASSERT_TRUE(index->sync(matrix.view()).ok());
  const SearchRequest request{queries, 50, {}};
  const auto results = index->search(matrix.view(), request);
  ASSERT_TRUE(results.ok());
  const auto expected = reference_topk(matrix.view(), request);
  expect_same_topk(*results, expected, matrix, request);
  for (std::size_t q = 0; q < 3; ++q) {
    for (std::size_t i = 0; i < 50; ++i) {
      EXPECT_EQ((*results)[q][i].id, expected[q][i].id) << "query " << q << " rank " << i;
    }
  }
}

TEST(ExactScan, SkipsTombstonedAndExcludedRows) {
  constexpr int kDim = 64;
  SyntheticMatrix matrix{kDim};
  matrix.append(gaussian_vectors(4000, kDim, 3));
  const auto queries = gaussian_vectors(4, kDim, 4);
  auto index = make_cpu_exact_index(kDim, 1);
  ASSERT_TRUE(index->sync(matrix.view()).ok());
  const SearchRequest plain{queries, 20, {}};
  const auto before = index->search(matrix.view(), plain);
  ASSERT_TRUE(before.ok());

  // Delete each query's best 5 and exclude its next 5, plus ids that do not exist.
  std::vector<std::vector<VectorId>> exclude(4);
  for (std::size_t q = 0; q < 4; ++q) {
    for (int i = 0; i < 5; ++i) matrix.tombstone(SyntheticMatrix::row_of((*before)[q][i].id));
    for (int i = 5; i < 10; ++i) exclude[q].push_back((*before)[q][i].id);
    exclude[q].push_back(1);
  }
  const SearchRequest filtered{queries, 20, exclude};
  const auto after = index->search(matrix.view(), filtered);
  ASSERT_TRUE(after.ok());
  expect_same_topk(*after, reference_topk(matrix.view(), filtered), matrix, filtered);
  for (std::size_t q = 0; q < 4; ++q) {
    for (const Neighbor& n : (*after)[q]) {
      for (int i = 0; i < 10; ++i) EXPECT_NE(n.id, (*before)[q][i].id);
    }
  }
}

// A deadline that passes while the scan runs abandons it between chunks of rows. The scan here
// (1,024 queries over 200,000 rows of 64 values, one thread: 13 billion multiply-adds) takes
// hundreds of milliseconds on any machine; the deadline is 20 ms after it starts, so the check
// before it begins passes and only the check between chunks can give DEADLINE_EXCEEDED.
TEST(ExactScan, AbandonsAScanWhoseDeadlinePassesPartway) {
  constexpr int kDim = 64;
  constexpr std::size_t kRows = 200'000;
  constexpr std::size_t kQueries = 1024;
  SyntheticMatrix matrix{kDim};
  std::vector<float> values(kRows * kDim);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i % 13) * 0.1f;
  matrix.append(std::move(values));
  const std::vector<float> queries(kQueries * kDim, 0.5f);
  auto index = make_cpu_exact_index(kDim, 1);
  ASSERT_TRUE(index->sync(matrix.view()).ok());
  SearchRequest request{queries, 10, {}};
  request.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  const auto results = index->search(matrix.view(), request);
  EXPECT_EQ(results.status().code(), absl::StatusCode::kDeadlineExceeded) << results.status();
}

TEST(ExactScan, SearchesOnlySyncedRowsAndFindsRowsAfterTheNextSync) {
  constexpr int kDim = 32;
  SyntheticMatrix matrix{kDim};
  matrix.append(gaussian_vectors(1000, kDim, 5));
  auto query = gaussian_vectors(1, kDim, 6);
  auto index = make_cpu_exact_index(kDim);
  ASSERT_TRUE(index->sync(matrix.view()).ok());
  const SearchRequest request{query, 5, {}};
  ASSERT_TRUE(index->search(matrix.view(), request).ok());

  // A new row far better than any other: invisible until synced.
  std::vector<float> best(query);
  for (float& x : best) x *= 100.0f;
  matrix.append(best);
  const VectorId best_id = SyntheticMatrix::id_of(1000);
  auto results = index->search(matrix.view(), request);
  ASSERT_TRUE(results.ok());
  EXPECT_NE((*results)[0][0].id, best_id);
  ASSERT_TRUE(index->sync(matrix.view()).ok());
  EXPECT_EQ(index->indexed_rows(), 1001u);
  results = index->search(matrix.view(), request);
  ASSERT_TRUE(results.ok());
  EXPECT_EQ((*results)[0][0].id, best_id);
  expect_same_topk(*results, reference_topk(matrix.view(), request), matrix, request);
}

TEST(ExactScan, DescribesItsKernel) {
  const std::string text = make_cpu_exact_index(16, 2)->describe();
  EXPECT_NE(text.find("cpu-exact ("), std::string::npos) << text;
  EXPECT_NE(text.find(cpu::inner_product_kernel()), std::string::npos) << text;
  EXPECT_NE(text.find("2 threads"), std::string::npos) << text;
}

// The kernels this machine can run (the portable one always; AVX2 and AVX-512 where the CPU has
// them, so a machine without AVX-512 tests the other two only).
std::vector<cpu::ProductKernel> kernels_here() {
  std::vector<cpu::ProductKernel> kernels;
  for (auto kernel :
       {cpu::ProductKernel::kPortable, cpu::ProductKernel::kAvx2, cpu::ProductKernel::kAvx512}) {
    if (cpu::cpu_has(kernel)) kernels.push_back(kernel);
  }
  return kernels;
}

// CTest also runs this program with FEEDRANK_CPU_KERNEL set (tests/kernels/CMakeLists.txt), so
// that a machine with AVX-512 runs every scan test on the narrower kernels too.
TEST(InnerProducts, RunsTheWidestKernelUnlessTheEnvironmentCapsIt) {
  const char* cap = std::getenv("FEEDRANK_CPU_KERNEL");
  if (cap != nullptr && std::string_view(cap) == "portable") {
    EXPECT_EQ(cpu::inner_product_kernel(), "portable");
    EXPECT_EQ(cpu::row_product_kernel(), "portable");
    return;
  }
  const std::string_view widest = cpu::kernel_name(kernels_here().back());
  if (cap != nullptr && std::string_view(cap) == "avx2" && widest == "avx512") {
    EXPECT_EQ(cpu::inner_product_kernel(), "avx2");
  } else {
    EXPECT_EQ(cpu::inner_product_kernel(), widest);
  }
  EXPECT_EQ(cpu::row_product_kernel(),
            cpu::cpu_has(cpu::ProductKernel::kAvx2) ? "avx2" : "portable");
}

// Every kernel on every remainder of the tiles (3 or 2 or 1 queries x 8 or 4 or 1 rows) and of
// the 16- and 8-wide dimension steps.
TEST(InnerProducts, EveryKernelMatchesDoublePrecision) {
  for (cpu::ProductKernel kernel : kernels_here()) {
    for (int d : {1, 7, 8, 9, 15, 16, 17, 64, 130}) {
      for (std::size_t nq : {1u, 2u, 3u, 4u, 7u}) {
        for (std::size_t nr : {3u, 11u, 17u}) {
          const auto q = gaussian_vectors(nq, d, 10);
          const auto r = gaussian_vectors(nr, d, 11);
          std::vector<float> out(nq * 20, NAN);
          cpu::inner_products_on(kernel, q.data(), nq, r.data(), nr, d, out.data(), 20);
          for (std::size_t i = 0; i < nq; ++i) {
            for (std::size_t j = 0; j < nr; ++j) {
              double exact = 0.0;
              for (int t = 0; t < d; ++t) exact += double{q[i * d + t]} * r[j * d + t];
              EXPECT_TRUE(testing::close_scores(out[i * 20 + j], exact))
                  << cpu::kernel_name(kernel) << ", d " << d << " q " << i << " r " << j << ": "
                  << out[i * 20 + j];
            }
            EXPECT_TRUE(std::isnan(out[i * 20 + nr])) << "wrote past row_count";
          }
        }
      }
    }
  }
}

// Rows scattered in memory, scored a few at a time in lockstep (the HNSW walk's neighbours),
// get the products inner_product gives each alone, bit for bit, on every remainder of the group
// and of the 32- and 8-wide steps.
TEST(InnerProducts, GatheredRowsScoreAsEachAlone) {
  for (int d : {1, 7, 8, 31, 32, 33, 64, 128, 131}) {
    const std::size_t n = 11;
    const auto query = gaussian_vectors(1, d, 40);
    const auto rows = gaussian_vectors(n, d, 41);
    std::vector<const float*> scattered;
    for (std::size_t i = 0; i < n; ++i) scattered.push_back(rows.data() + ((i * 7) % n) * d);
    for (std::size_t count = 0; count <= n; ++count) {
      std::vector<float> together(n + 1, NAN);
      cpu::inner_products_gathered(query.data(), scattered.data(), count, d, together.data());
      for (std::size_t i = 0; i < count; ++i) {
        ASSERT_EQ(together[i], cpu::inner_product(query.data(), scattered[i], d))
            << "d " << d << ", " << count << " rows, row " << i;
      }
      EXPECT_TRUE(std::isnan(together[count])) << "wrote past count";
    }
  }
}

void expect_half_rows_score_as_widened(int d, std::size_t nq) {
  const std::size_t nr = 11;
  const auto queries = gaussian_vectors(nq, d, 50);
  const auto floats = gaussian_vectors(nr, d, 51);
  std::vector<std::uint16_t> halves(floats.size());
  half_bits_of(floats, halves);
  std::vector<float> widened(floats.size());
  floats_of_half_bits(halves, widened);
  ASSERT_NE(widened, floats) << "the rows must lose bits at half precision";

  std::vector<float> from_halves(nq * nr), from_floats(nq * nr);
  for (cpu::ProductKernel kernel : kernels_here()) {
    cpu::inner_products_on(kernel, queries.data(), nq, halves.data(), nr, d, from_halves.data(),
                           nr);
    cpu::inner_products_on(kernel, queries.data(), nq, widened.data(), nr, d, from_floats.data(),
                           nr);
    EXPECT_EQ(from_halves, from_floats)
        << cpu::kernel_name(kernel) << ", d " << d << ", " << nq << " queries";
  }

  std::vector<const std::uint16_t*> half_rows;
  std::vector<const float*> float_rows;
  for (std::size_t i = 0; i < nr; ++i) {
    half_rows.push_back(halves.data() + ((i * 7) % nr) * d);
    float_rows.push_back(widened.data() + ((i * 7) % nr) * d);
  }
  std::vector<float> gathered_halves(nr), gathered_floats(nr);
  cpu::inner_products_gathered(queries.data(), half_rows.data(), nr, d, gathered_halves.data());
  cpu::inner_products_gathered(queries.data(), float_rows.data(), nr, d, gathered_floats.data());
  EXPECT_EQ(gathered_halves, gathered_floats) << "gathered, d " << d;
  for (std::size_t i = 0; i < nr; ++i) {
    ASSERT_EQ(cpu::inner_product(queries.data(), half_rows[i], d),
              cpu::inner_product(queries.data(), float_rows[i], d))
        << "d " << d << ", row " << i;
  }
}

// Half rows (a table kept at half precision) score bit for bit as their widened float rows, in
// each kernel and on every remainder of the tiles, the groups and the 8-wide steps.
TEST(InnerProducts, HalfRowsScoreAsTheirWidenedFloats) {
  for (int d : {1, 7, 8, 9, 31, 33, 64, 128, 131}) {
    for (std::size_t nq : {1u, 2u, 3u, 4u, 5u}) {  // every query group: 3, 2 and 1
      expect_half_rows_score_as_widened(d, nq);
    }
  }
}

}  // namespace
}  // namespace feedrank::kernels

namespace feedrank::kernels {
namespace {

// Queries of several callers scanned together must score bit for bit as each would alone: the
// search batcher merges callers' queries into one scan.
TEST(InnerProducts, EveryQueryIsRoundedAsWhenItIsPassedAlone) {
  constexpr int kDim = 131;  // a scalar tail too
  constexpr std::size_t kQueries = 11, kRows = 203;
  const auto queries = gaussian_vectors(kQueries, kDim, 31);
  const auto rows = gaussian_vectors(kRows, kDim, 32);
  for (cpu::ProductKernel kernel : kernels_here()) {
    std::vector<float> together(kQueries * kRows);
    cpu::inner_products_on(kernel, queries.data(), kQueries, rows.data(), kRows, kDim,
                           together.data(), kRows);
    for (std::size_t q = 0; q < kQueries; ++q) {
      std::vector<float> alone(kRows);
      cpu::inner_products_on(kernel, queries.data() + q * kDim, 1, rows.data(), kRows, kDim,
                             alone.data(), kRows);
      for (std::size_t r = 0; r < kRows; ++r) {
        ASSERT_EQ(together[q * kRows + r], alone[r])
            << cpu::kernel_name(kernel) << ", query " << q << ", row " << r;
      }
    }
  }
}

}  // namespace
}  // namespace feedrank::kernels
