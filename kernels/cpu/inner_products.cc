#include "kernels/cpu/inner_products.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "common/half_float.h"

namespace feedrank::kernels::cpu {
namespace {

// Register tiles of Q queries x R rows of 8-lane accumulators. One query takes 8 rows at a time
// (8 independent FMA chains hide the FMA latency); 2-3 queries take 4, so that the 12 sums, 3
// query slices and 1 row slice fit the 16 ymm registers without spilling.
// 8 KiB ahead at d = 128 for floats, 4 KiB for halves (measured best of 2-6 for floats; halves
// scanned at 2.2x the floats' speed with it).
constexpr std::size_t kPrefetchTiles = 2;

#define FEEDRANK_AVX2 __attribute__((target("avx2,fma,f16c")))

// Rows are floats, or halves (IEEE binary16 bits) widened to floats as they are read: a half is
// exactly a float, so a half row scores bit for bit as its widened float row does.
inline float widen(float value) { return value; }
inline float widen(std::uint16_t half) { return float_of_half_bits(half); }
FEEDRANK_AVX2 inline __m256 load8(const float* row) { return _mm256_loadu_ps(row); }
FEEDRANK_AVX2 inline __m256 load8(const std::uint16_t* row) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row)));
}

// Sums each of four 8-lane accumulators into one lane of the result.
FEEDRANK_AVX2 inline __m128 reduce4(__m256 a, __m256 b, __m256 c, __m256 d) {
  const __m256 ab = _mm256_hadd_ps(a, b);
  const __m256 cd = _mm256_hadd_ps(c, d);
  const __m256 abcd = _mm256_hadd_ps(ab, cd);
  return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

// A single query streams rows from memory. The hardware prefetcher stops at each 4 KiB page,
// which is one float tile at d = 128, so each step of `Lanes` values at t also asks for its
// share (R rows' worth) of the tile kPrefetchTiles ahead: without it the scan ran at half the
// bandwidth of a plain read.
template <std::size_t R, std::size_t Lanes, class Row>
inline void prefetch_share_ahead(const Row* rows, std::size_t d, std::size_t t) {
  const auto* ahead = reinterpret_cast<const char*>(rows + kPrefetchTiles * R * d + t * R);
  for (std::size_t line = 0; line < R * Lanes * sizeof(Row); line += 64)
    _mm_prefetch(ahead + line, _MM_HINT_T0);
}

// Q queries x R rows (R = 1, 4 or 8) starting at `rows`; the dimension tail past the last
// multiple of 8 in scalar. The loops over queries and rows are unrolled by pragma: GCC at -O2
// keeps them as loops over an array on the stack, which ran a 3-query tile at a fraction of its
// speed (a store and a reload around every FMA).
template <std::size_t Q, std::size_t R, class Row>
FEEDRANK_AVX2 void tile_avx2(const float* queries, const Row* rows, std::size_t d, float* out,
                             std::size_t out_stride) {
  constexpr std::size_t kSums = R < 4 ? 4 : R;  // reduce4 takes whole groups of 4
  __m256 acc[Q][kSums];
#pragma GCC unroll 16
  for (std::size_t i = 0; i < Q; ++i) {
#pragma GCC unroll 16
    for (std::size_t j = 0; j < kSums; ++j) acc[i][j] = _mm256_setzero_ps();
  }
  const std::size_t d8 = d & ~std::size_t{7};
  for (std::size_t t = 0; t < d8; t += 8) {
    if constexpr (Q == 1) prefetch_share_ahead<R, 8>(rows, d, t);
    __m256 qv[Q];
#pragma GCC unroll 16
    for (std::size_t i = 0; i < Q; ++i) qv[i] = _mm256_loadu_ps(queries + i * d + t);
#pragma GCC unroll 16
    for (std::size_t j = 0; j < R; ++j) {
      const __m256 rv = load8(rows + j * d + t);
#pragma GCC unroll 16
      for (std::size_t i = 0; i < Q; ++i) acc[i][j] = _mm256_fmadd_ps(qv[i], rv, acc[i][j]);
    }
  }
  for (std::size_t i = 0; i < Q; ++i) {
    alignas(32) float sums[kSums];
    for (std::size_t j = 0; j < kSums; j += 4) {
      _mm_store_ps(sums + j, reduce4(acc[i][j], acc[i][j + 1], acc[i][j + 2], acc[i][j + 3]));
    }
    for (std::size_t j = 0; j < R; ++j) {
      float s = sums[j];
      for (std::size_t t = d8; t < d; ++t) s += queries[i * d + t] * widen(rows[j * d + t]);
      out[i * out_stride + j] = s;
    }
  }
}

// The tiles' shapes: rows per tile for Q queries.
struct Avx2Tiles {
  template <std::size_t Q>
  static constexpr std::size_t kRows = Q == 1 ? 8 : 4;
  template <std::size_t Q, std::size_t R, class Row>
  static void tile(const float* queries, const Row* rows, std::size_t d, float* out,
                   std::size_t out_stride) {
    tile_avx2<Q, R>(queries, rows, d, out, out_stride);
  }
};

// Every row gets the same sums in the same order whatever the query group size (each row has its
// own accumulator, reduced by the same tree), so a query scored in a batch of other callers'
// queries is rounded exactly as when it is scored alone. Queries go in groups of 3 (the last
// group 2 or 1) over every row, in tiles of Tiles::kRows<Q> rows and single rows after them.
template <class Tiles, class Row>
void tiled_products(const float* queries, std::size_t query_count, const Row* rows,
                    std::size_t row_count, std::size_t d, float* out, std::size_t out_stride) {
  auto group = [&]<std::size_t Q>(std::size_t q) {
    constexpr std::size_t kRows = Tiles::template kRows<Q>;
    const float* group_queries = queries + q * d;
    float* group_out = out + q * out_stride;
    std::size_t r = 0;
    for (; r + kRows <= row_count; r += kRows) {
      Tiles::template tile<Q, kRows>(group_queries, rows + r * d, d, group_out + r, out_stride);
    }
    for (; r < row_count; ++r) {
      Tiles::template tile<Q, 1>(group_queries, rows + r * d, d, group_out + r, out_stride);
    }
  };
  std::size_t q = 0;
  for (; q + 3 <= query_count; q += 3) group.template operator()<3>(q);
  if (query_count - q == 2) {
    group.template operator()<2>(q);
  } else if (query_count - q == 1) {
    group.template operator()<1>(q);
  }
}

// <a, b[i]> for G rows b[0..G) in lockstep: per row four independent chains of 8 lanes (one
// 128-d product is 4 steps deep), summed in the same order whatever G, so a row scored in a group
// is rounded as when scored alone; a group of rows keeps 4G chains in flight instead of 4.
template <std::size_t G, class Row>
FEEDRANK_AVX2 void inner_product_group_avx2(const float* a, const Row* const* b, std::size_t d,
                                            float* out) {
  __m256 s[G][4];
#pragma GCC unroll 16
  for (std::size_t g = 0; g < G; ++g) {
#pragma GCC unroll 4
    for (std::size_t c = 0; c < 4; ++c) s[g][c] = _mm256_setzero_ps();
  }
  std::size_t t = 0;
  for (; t + 32 <= d; t += 32) {
#pragma GCC unroll 4
    for (std::size_t c = 0; c < 4; ++c) {
      const __m256 av = _mm256_loadu_ps(a + t + 8 * c);
#pragma GCC unroll 16
      for (std::size_t g = 0; g < G; ++g) {
        s[g][c] = _mm256_fmadd_ps(av, load8(b[g] + t + 8 * c), s[g][c]);
      }
    }
  }
  for (; t + 8 <= d; t += 8) {
    const __m256 av = _mm256_loadu_ps(a + t);
#pragma GCC unroll 16
    for (std::size_t g = 0; g < G; ++g) {
      s[g][0] = _mm256_fmadd_ps(av, load8(b[g] + t), s[g][0]);
    }
  }
#pragma GCC unroll 16
  for (std::size_t g = 0; g < G; ++g) {
    const __m256 sum8 =
        _mm256_add_ps(_mm256_add_ps(s[g][0], s[g][1]), _mm256_add_ps(s[g][2], s[g][3]));
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(sum8), _mm256_extractf128_ps(sum8, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    float sum = _mm_cvtss_f32(_mm_add_ss(h, _mm_shuffle_ps(h, h, 1)));
    for (std::size_t tail = t; tail < d; ++tail) sum += a[tail] * widen(b[g][tail]);
    out[g] = sum;
  }
}

template <class Row>
FEEDRANK_AVX2 float inner_product_avx2(const float* a, const Row* b, std::size_t d) {
  float out;
  inner_product_group_avx2<1>(a, &b, d, &out);
  return out;
}

template <class Row>
FEEDRANK_AVX2 void inner_products_gathered_avx2(const float* a, const Row* const* rows,
                                                std::size_t count, std::size_t d, float* out) {
  std::size_t i = 0;
  for (; i + 3 <= count; i += 3) inner_product_group_avx2<3>(a, rows + i, d, out + i);
  for (; i < count; ++i) inner_product_group_avx2<1>(a, rows + i, d, out + i);
}

std::size_t first_at_least_portable(const float* scores, std::size_t begin, std::size_t end,
                                    float threshold) {
  while (begin < end && !(scores[begin] >= threshold)) ++begin;
  return begin;
}

FEEDRANK_AVX2 std::size_t first_at_least_avx2(const float* scores, std::size_t begin,
                                              std::size_t end, float threshold) {
  const __m256 cut = _mm256_set1_ps(threshold);
  std::size_t i = begin;
  for (; i + 8 <= end; i += 8) {
    const __m256 at_least = _mm256_cmp_ps(_mm256_loadu_ps(scores + i), cut, _CMP_GE_OQ);
    const auto hits = static_cast<unsigned>(_mm256_movemask_ps(at_least));
    if (hits != 0) return i + static_cast<std::size_t>(__builtin_ctz(hits));
  }
  return first_at_least_portable(scores, i, end, threshold);
}

// F16C too, for half rows: every CPU with AVX2 has it.
bool has_avx2_fma_f16c() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                          half_float_internal::cpu_has_f16c();
  return has;
}

// The widest kernel this CPU runs, capped by FEEDRANK_CPU_KERNEL when that names a narrower one.
ProductKernel choose_kernel() {
  ProductKernel best = ProductKernel::kPortable;
  for (ProductKernel k : {ProductKernel::kAvx2, ProductKernel::kAvx512}) {
    if (cpu_has(k)) best = k;
  }
  const char* cap = std::getenv("FEEDRANK_CPU_KERNEL");
  if (cap == nullptr) return best;
  for (ProductKernel k : {ProductKernel::kPortable, ProductKernel::kAvx2, ProductKernel::kAvx512}) {
    if (kernel_name(k) == cap) return std::min(k, best);
  }
  return best;  // an unknown name changes nothing; inner_product_kernel() tells what runs
}

ProductKernel chosen_kernel() {
  static const ProductKernel kernel = choose_kernel();
  return kernel;
}

// The one-row and gathered products have no AVX-512 variant.
bool rows_on_avx2() { return chosen_kernel() >= ProductKernel::kAvx2; }

#define FEEDRANK_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,f16c")))

// The AVX-512 twin of tile_avx2: 16-lane accumulators in 32 registers, so 1-3 queries take 8
// rows (24 sums, 3 query slices, 1 row slice). The dimension's tail past the last multiple of 16
// is read with masked loads (zeros past the end), so each product is one chain of 16 lanes,
// folded into 8 and reduced by reduce4's tree: the same order for a row whatever its place in the
// tile or the number of queries. Only the tail is masked: masked loads on every step ran 2.5x
// slower than the AVX2 tiles on the dev VM's CPU (benchmarks/RESULTS.md, 2026-12-05).
//
// GCC 12's _mm512_cvtph_ps passes an undefined vector as its unused pass-through operand, which
// -Wmaybe-uninitialized reports wherever it is inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
FEEDRANK_AVX512 inline __m512 load16(const float* row, __mmask16 mask) {
  return mask == 0xFFFF ? _mm512_loadu_ps(row) : _mm512_maskz_loadu_ps(mask, row);
}
FEEDRANK_AVX512 inline __m512 load16(const std::uint16_t* row, __mmask16 mask) {
  return _mm512_cvtph_ps(mask == 0xFFFF ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row))
                                        : _mm256_maskz_loadu_epi16(mask, row));
}
FEEDRANK_AVX512 inline __m256 fold16(__m512 v) {
  // The zero-masked forms: GCC 12's plain ones warn on their undefined pass-through operand too.
  return _mm256_add_ps(_mm512_maskz_extractf32x8_ps(0xFF, v, 0),
                       _mm512_maskz_extractf32x8_ps(0xFF, v, 1));
}

template <std::size_t Q, std::size_t R, class Row>
FEEDRANK_AVX512 void tile_avx512(const float* queries, const Row* rows, std::size_t d, float* out,
                                 std::size_t out_stride) {
  constexpr std::size_t kSums = R < 4 ? 4 : R;
  __m512 acc[Q][kSums];
#pragma GCC unroll 16
  for (std::size_t i = 0; i < Q; ++i) {
#pragma GCC unroll 16
    for (std::size_t j = 0; j < kSums; ++j) acc[i][j] = _mm512_setzero_ps();
  }
  for (std::size_t t = 0; t < d; t += 16) {
    const __mmask16 mask = d - t >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (d - t)) - 1);
    if constexpr (Q == 1) prefetch_share_ahead<R, 16>(rows, d, t);
    __m512 qv[Q];
#pragma GCC unroll 16
    for (std::size_t i = 0; i < Q; ++i) qv[i] = load16(queries + i * d + t, mask);
#pragma GCC unroll 16
    for (std::size_t j = 0; j < R; ++j) {
      const __m512 rv = load16(rows + j * d + t, mask);
#pragma GCC unroll 16
      for (std::size_t i = 0; i < Q; ++i) acc[i][j] = _mm512_fmadd_ps(qv[i], rv, acc[i][j]);
    }
  }
#pragma GCC unroll 16
  for (std::size_t i = 0; i < Q; ++i) {
    alignas(32) float sums[kSums];
#pragma GCC unroll 16
    for (std::size_t j = 0; j < kSums; j += 4) {
      _mm_store_ps(sums + j, reduce4(fold16(acc[i][j]), fold16(acc[i][j + 1]),
                                     fold16(acc[i][j + 2]), fold16(acc[i][j + 3])));
    }
    for (std::size_t j = 0; j < R; ++j) out[i * out_stride + j] = sums[j];
  }
}

#pragma GCC diagnostic pop

struct Avx512Tiles {
  template <std::size_t Q>
  static constexpr std::size_t kRows = 8;
  template <std::size_t Q, std::size_t R, class Row>
  static void tile(const float* queries, const Row* rows, std::size_t d, float* out,
                   std::size_t out_stride) {
    tile_avx512<Q, R>(queries, rows, d, out, out_stride);
  }
};

// Eight independent partial sums, which the compiler can map onto SSE lanes without reordering
// a single sum.
template <class Row>
void portable_products(const float* queries, std::size_t query_count, const Row* rows,
                       std::size_t row_count, std::size_t d, float* out, std::size_t out_stride) {
  for (std::size_t q = 0; q < query_count; ++q) {
    const float* qv = queries + q * d;
    for (std::size_t r = 0; r < row_count; ++r) {
      const Row* rv = rows + r * d;
      float partial[8] = {};
      std::size_t t = 0;
      for (; t + 8 <= d; t += 8)
        for (std::size_t l = 0; l < 8; ++l) partial[l] += qv[t + l] * widen(rv[t + l]);
      float s = 0.0f;
      for (float p : partial) s += p;
      for (; t < d; ++t) s += qv[t] * widen(rv[t]);
      out[q * out_stride + r] = s;
    }
  }
}

template <class Row>
void products(ProductKernel kernel, const float* queries, std::size_t query_count, const Row* rows,
              std::size_t row_count, int dimension, float* out, std::size_t out_stride) {
  const auto d = static_cast<std::size_t>(dimension);
  switch (kernel) {
    case ProductKernel::kAvx512:
      tiled_products<Avx512Tiles>(queries, query_count, rows, row_count, d, out, out_stride);
      return;
    case ProductKernel::kAvx2:
      tiled_products<Avx2Tiles>(queries, query_count, rows, row_count, d, out, out_stride);
      return;
    case ProductKernel::kPortable:
      portable_products(queries, query_count, rows, row_count, d, out, out_stride);
      return;
  }
}

template <class Row>
float product(const float* a, const Row* b, int dimension) {
  const auto d = static_cast<std::size_t>(dimension);
  if (rows_on_avx2()) return inner_product_avx2(a, b, d);
  float out = 0.0f;
  portable_products(a, 1, b, 1, d, &out, 1);
  return out;
}

template <class Row>
void gathered_products(const float* query, const Row* const* rows, std::size_t count, int dimension,
                       float* out) {
  const auto d = static_cast<std::size_t>(dimension);
  if (rows_on_avx2()) {
    inner_products_gathered_avx2(query, rows, count, d, out);
  } else {
    for (std::size_t i = 0; i < count; ++i) out[i] = product(query, rows[i], dimension);
  }
}

}  // namespace

bool cpu_has(ProductKernel kernel) {
  switch (kernel) {
    case ProductKernel::kPortable:
      return true;
    case ProductKernel::kAvx2:
      return has_avx2_fma_f16c();
    case ProductKernel::kAvx512: {
      static const bool has = has_avx2_fma_f16c() && __builtin_cpu_supports("avx512f") &&
                              __builtin_cpu_supports("avx512bw") &&
                              __builtin_cpu_supports("avx512dq") &&
                              __builtin_cpu_supports("avx512vl");
      return has;
    }
  }
  return false;
}

std::string_view kernel_name(ProductKernel kernel) {
  switch (kernel) {
    case ProductKernel::kPortable:
      return "portable";
    case ProductKernel::kAvx2:
      return "avx2";
    case ProductKernel::kAvx512:
      return "avx512";
  }
  return "unknown";
}

void inner_products_on(ProductKernel kernel, const float* queries, std::size_t query_count,
                       const float* rows, std::size_t row_count, int dimension, float* out,
                       std::size_t out_stride) {
  products(kernel, queries, query_count, rows, row_count, dimension, out, out_stride);
}

void inner_products_on(ProductKernel kernel, const float* queries, std::size_t query_count,
                       const std::uint16_t* rows, std::size_t row_count, int dimension, float* out,
                       std::size_t out_stride) {
  products(kernel, queries, query_count, rows, row_count, dimension, out, out_stride);
}

void inner_products(const float* queries, std::size_t query_count, const float* rows,
                    std::size_t row_count, int dimension, float* out, std::size_t out_stride) {
  products(chosen_kernel(), queries, query_count, rows, row_count, dimension, out, out_stride);
}

void inner_products(const float* queries, std::size_t query_count, const std::uint16_t* rows,
                    std::size_t row_count, int dimension, float* out, std::size_t out_stride) {
  products(chosen_kernel(), queries, query_count, rows, row_count, dimension, out, out_stride);
}

float inner_product(const float* a, const float* b, int dimension) {
  return product(a, b, dimension);
}

float inner_product(const float* a, const std::uint16_t* b, int dimension) {
  return product(a, b, dimension);
}

void inner_products_gathered(const float* query, const float* const* rows, std::size_t count,
                             int dimension, float* out) {
  gathered_products(query, rows, count, dimension, out);
}

void inner_products_gathered(const float* query, const std::uint16_t* const* rows,
                             std::size_t count, int dimension, float* out) {
  gathered_products(query, rows, count, dimension, out);
}

std::size_t first_at_least(const float* scores, std::size_t begin, std::size_t end,
                           float threshold) {
  return rows_on_avx2() ? first_at_least_avx2(scores, begin, end, threshold)
                        : first_at_least_portable(scores, begin, end, threshold);
}

std::string_view inner_product_kernel() { return kernel_name(chosen_kernel()); }

std::string_view row_product_kernel() {
  return kernel_name(rows_on_avx2() ? ProductKernel::kAvx2 : ProductKernel::kPortable);
}

}  // namespace feedrank::kernels::cpu
