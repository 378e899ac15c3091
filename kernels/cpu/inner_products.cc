#include "kernels/cpu/inner_products.h"

#include <immintrin.h>

namespace feedrank::kernels::cpu {
namespace {

// Register tile: kQ queries x kR rows of accumulators. 3 x 4 uses 12 of the 16 ymm registers
// for sums, 3 for the query slices and 1 for the row slice, so nothing spills.
constexpr std::size_t kQ = 3;
constexpr std::size_t kR = 4;

#define FEEDRANK_AVX2 __attribute__((target("avx2,fma")))

// Sums each of four 8-lane accumulators into one lane of the result.
FEEDRANK_AVX2 inline __m128 reduce4(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256 ab = _mm256_hadd_ps(a, b);
  const __m256 cd = _mm256_hadd_ps(c, d);
  const __m256 abcd = _mm256_hadd_ps(ab, cd);
  return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

// Q queries x R rows, R in 1..4; the dimension tail past the last multiple of 8 in scalar.
template <std::size_t Q, std::size_t R>
FEEDRANK_AVX2 void tile_avx2(const float* const* q, const float* const* r, std::size_t d,
                             float* out, std::size_t out_stride) {
  __m256 acc[Q][kR];
  for (std::size_t i = 0; i < Q; ++i)
    for (std::size_t j = 0; j < kR; ++j) acc[i][j] = _mm256_setzero_ps();
  const std::size_t d8 = d & ~std::size_t{7};
  for (std::size_t t = 0; t < d8; t += 8) {
    __m256 qv[Q];
    for (std::size_t i = 0; i < Q; ++i) qv[i] = _mm256_loadu_ps(q[i] + t);
    for (std::size_t j = 0; j < R; ++j) {
      const __m256 rv = _mm256_loadu_ps(r[j] + t);
      for (std::size_t i = 0; i < Q; ++i) acc[i][j] = _mm256_fmadd_ps(qv[i], rv, acc[i][j]);
    }
  }
  for (std::size_t i = 0; i < Q; ++i) {
    alignas(16) float sums[4];
    _mm_store_ps(sums, reduce4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]));
    for (std::size_t j = 0; j < R; ++j) {
      float s = sums[j];
      for (std::size_t t = d8; t < d; ++t) s += q[i][t] * r[j][t];
      out[i * out_stride + j] = s;
    }
  }
}

template <std::size_t Q>
FEEDRANK_AVX2 void query_group_avx2(const float* queries, const float* rows,
                                    std::size_t row_count, std::size_t d, float* out,
                                    std::size_t out_stride) {
  const float* q[Q];
  for (std::size_t i = 0; i < Q; ++i) q[i] = queries + i * d;
  std::size_t r = 0;
  for (; r + kR <= row_count; r += kR) {
    const float* rp[kR] = {rows + r * d, rows + (r + 1) * d, rows + (r + 2) * d,
                           rows + (r + 3) * d};
    tile_avx2<Q, kR>(q, rp, d, out + r, out_stride);
  }
  for (; r < row_count; ++r) {
    const float* rp[1] = {rows + r * d};
    tile_avx2<Q, 1>(q, rp, d, out + r, out_stride);
  }
}

FEEDRANK_AVX2 void inner_products_avx2(const float* queries, std::size_t query_count,
                                       const float* rows, std::size_t row_count, std::size_t d,
                                       float* out, std::size_t out_stride) {
  std::size_t q = 0;
  for (; q + kQ <= query_count; q += kQ)
    query_group_avx2<kQ>(queries + q * d, rows, row_count, d, out + q * out_stride, out_stride);
  if (query_count - q == 2)
    query_group_avx2<2>(queries + q * d, rows, row_count, d, out + q * out_stride, out_stride);
  else if (query_count - q == 1)
    query_group_avx2<1>(queries + q * d, rows, row_count, d, out + q * out_stride, out_stride);
}

bool has_avx2_fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

}  // namespace

// Eight independent partial sums, which the compiler can map onto SSE lanes without reordering
// a single sum.
void inner_products_portable(const float* queries, std::size_t query_count, const float* rows,
                             std::size_t row_count, int dimension, float* out,
                             std::size_t out_stride) {
  const auto d = static_cast<std::size_t>(dimension);
  for (std::size_t q = 0; q < query_count; ++q) {
    const float* qv = queries + q * d;
    for (std::size_t r = 0; r < row_count; ++r) {
      const float* rv = rows + r * d;
      float partial[8] = {};
      std::size_t t = 0;
      for (; t + 8 <= d; t += 8)
        for (std::size_t l = 0; l < 8; ++l) partial[l] += qv[t + l] * rv[t + l];
      float s = 0.0f;
      for (float p : partial) s += p;
      for (; t < d; ++t) s += qv[t] * rv[t];
      out[q * out_stride + r] = s;
    }
  }
}

void inner_products(const float* queries, std::size_t query_count, const float* rows,
                    std::size_t row_count, int dimension, float* out, std::size_t out_stride) {
  const auto d = static_cast<std::size_t>(dimension);
  if (has_avx2_fma()) {
    inner_products_avx2(queries, query_count, rows, row_count, d, out, out_stride);
  } else {
    inner_products_portable(queries, query_count, rows, row_count, dimension, out, out_stride);
  }
}

std::string_view inner_product_kernel() { return has_avx2_fma() ? "avx2-fma" : "portable"; }

}  // namespace feedrank::kernels::cpu
