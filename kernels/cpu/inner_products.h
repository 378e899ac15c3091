// Blocks of inner products between queries and matrix rows, both row-major, read in place. The
// widest kernel the CPU runs is chosen at run time (the build targets generic x86-64): AVX-512,
// AVX2+FMA, or a portable one; all accumulate in float. The vector kernels stream the rows past
// register tiles of 1-3 queries; each product is summed in the same order whatever the number of
// queries, so a query batched with other callers' is rounded exactly as alone. (A kernel that
// repacked the rows for 4+ queries summed in another order; once the tiles' accumulators stayed
// in registers it was no faster, and was removed.) Kernels differ from each other in the last
// bits of a sum.
//
// Every function takes rows of floats or of halves (IEEE binary16 bits, common/half_float.h),
// which it widens as it reads them: a half row scores bit for bit as its widened float row.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace feedrank::kernels::cpu {

// out[q * out_stride + r] = <queries[q], rows[r]> for q < query_count, r < row_count. Queries
// are walked in small groups over all the rows, so callers should pass a row block that fits in
// L2 and as many queries as they can. out[q * out_stride + r] does not depend on the other
// queries passed.
void inner_products(const float* queries, std::size_t query_count, const float* rows,
                    std::size_t row_count, int dimension, float* out, std::size_t out_stride);
void inner_products(const float* queries, std::size_t query_count, const std::uint16_t* rows,
                    std::size_t row_count, int dimension, float* out, std::size_t out_stride);

// <a, b> over `dimension` values, for callers that score one row at a time in random order
// (FAISS's HNSW graph walk).
float inner_product(const float* a, const float* b, int dimension);
float inner_product(const float* a, const std::uint16_t* b, int dimension);

// out[i] = inner_product(query, rows[i], dimension), bit for bit, for rows scattered in memory:
// a few rows are summed in lockstep, so their products overlap instead of each waiting for the
// last step of the one before.
void inner_products_gathered(const float* query, const float* const* rows, std::size_t count,
                             int dimension, float* out);
void inner_products_gathered(const float* query, const std::uint16_t* const* rows,
                             std::size_t count, int dimension, float* out);

// Asks for the cache lines of `row` (`dimension` values) before they are read: callers that score
// rows scattered over a table request a batch of them, then score them.
template <class Row>
inline void prefetch_row(const Row* row, int dimension) {
  const auto* bytes = reinterpret_cast<const char*>(row);
  const std::size_t size = sizeof(Row) * static_cast<std::size_t>(dimension);
  for (std::size_t line = 0; line < size; line += 64) __builtin_prefetch(bytes + line);
}

// The first i in [begin, end) with scores[i] >= threshold (NaN never is), or end: a scan's
// top-k keeps few of its scores, and testing 8 at a time skips the rest without a branch each.
std::size_t first_at_least(const float* scores, std::size_t begin, std::size_t end,
                           float threshold);

// The kernels of inner_products(), narrowest first. It runs the widest this CPU has, or the one
// the environment variable FEEDRANK_CPU_KERNEL names ("avx512", "avx2", "portable") when that is
// narrower: to compare them on one machine. Read once, at the first product.
enum class ProductKernel { kPortable, kAvx2, kAvx512 };
bool cpu_has(ProductKernel kernel);
std::string_view kernel_name(ProductKernel kernel);
// inner_products() on one kernel, for tests and benchmarks. Precondition: cpu_has(kernel).
void inner_products_on(ProductKernel kernel, const float* queries, std::size_t query_count,
                       const float* rows, std::size_t row_count, int dimension, float* out,
                       std::size_t out_stride);
void inner_products_on(ProductKernel kernel, const float* queries, std::size_t query_count,
                       const std::uint16_t* rows, std::size_t row_count, int dimension, float* out,
                       std::size_t out_stride);

// The name of the kernel inner_products() runs on this machine.
std::string_view inner_product_kernel();
// The kernel inner_product() and inner_products_gathered() run: "avx2" or "portable" (they have
// no AVX-512 variant; a cap of "portable" applies to them too).
std::string_view row_product_kernel();

}  // namespace feedrank::kernels::cpu
