// Blocks of inner products between queries and matrix rows, both row-major, read in place. An
// AVX2+FMA kernel chosen at run time when the CPU has it (the build targets generic x86-64), else
// a portable one; both accumulate in float. The AVX2 kernel streams the rows for 1-3 queries
// (memory-bound) and, for 4 or more (compute-bound), first repacks the block into a thread-local
// buffer for a register-blocked kernel that runs at about OpenBLAS sgemm speed.
#pragma once

#include <cstddef>
#include <string_view>

namespace feedrank::kernels::cpu {

// out[q * out_stride + r] = <queries[q], rows[r]> for q < query_count, r < row_count. Queries
// are walked in small groups over all the rows, so callers should pass a row block that fits in
// L2 and as many queries as they can. With `as_if_alone`, every product is rounded exactly as
// when its query is passed alone (the streaming kernel only: the packed one sums in another
// order), for queries of several callers that must each get what they would alone.
void inner_products(const float* queries, std::size_t query_count, const float* rows,
                    std::size_t row_count, int dimension, float* out, std::size_t out_stride,
                    bool as_if_alone = false);

// <a, b> over `dimension` floats, for callers that score one row at a time in random order
// (FAISS's HNSW graph walk).
float inner_product(const float* a, const float* b, int dimension);

// The first i in [begin, end) with scores[i] >= threshold (NaN never is), or end: a scan's
// top-k keeps few of its scores, and testing 8 at a time skips the rest without a branch each.
std::size_t first_at_least(const float* scores, std::size_t begin, std::size_t end,
                           float threshold);

// The portable kernel alone, so that tests can check it on machines that have AVX2.
void inner_products_portable(const float* queries, std::size_t query_count, const float* rows,
                             std::size_t row_count, int dimension, float* out,
                             std::size_t out_stride);

// "avx2-fma" or "portable": the kernel inner_products() runs on this machine.
std::string_view inner_product_kernel();

}  // namespace feedrank::kernels::cpu
