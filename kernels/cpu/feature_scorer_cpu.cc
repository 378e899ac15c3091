// The CPU twin of the feature scorer (kernels/feature_scorer.h): one thread, the rows read in
// place, an AVX2+FMA kernel chosen at run time when the CPU has it (the build targets generic
// x86-64), else a portable loop. Both compute the contract's fma chain exactly, so they give
// the same bits.
#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <memory>
#include <string>

#include "kernels/feature_scorer.h"

namespace feedrank::kernels {
namespace {

#define FEEDRANK_AVX2 __attribute__((target("avx2,fma")))

// One row: acc = fma(w[j], x[j], acc) for j = 0, 1, ..., from 0. Inlined into the AVX2 kernel,
// where std::fma is one instruction; the portable path pays a libm call per column.
[[gnu::always_inline]] inline float score_row(const float* x, const float* weights, int columns) {
  float acc = 0.0f;
  for (int j = 0; j < columns; ++j) acc = std::fma(weights[j], x[j], acc);
  return acc;
}

// Eight rows per step, one per lane of a vector accumulator, so that each column costs one
// vector fma with the same rounding as eight scalar ones. A single row's chain is bound by the
// fma latency (7 ms for 384k rows x 32 columns here); eight chains in one vector ran 2.3 ms, 70%
// of this machine's single-core read bandwidth. The column vector is built from eight strided
// scalar loads: vgatherdps was 5x slower on this AMD EPYC, and 16 or 32 rows per step (more
// chains) were slower too.
FEEDRANK_AVX2 void score_avx2(const float* features, std::size_t rows, int columns,
                              const float* weights, float* scores) {
  const std::size_t c = static_cast<std::size_t>(columns);
  std::size_t r = 0;
  for (; r + 8 <= rows; r += 8) {
    const float* x = features + r * c;
    __m256 acc = _mm256_setzero_ps();
    for (std::size_t j = 0; j < c; ++j) {
      const float* col = x + j;
      const __m256 v = _mm256_setr_ps(col[0], col[c], col[2 * c], col[3 * c], col[4 * c],
                                      col[5 * c], col[6 * c], col[7 * c]);
      acc = _mm256_fmadd_ps(_mm256_broadcast_ss(weights + j), v, acc);
    }
    _mm256_storeu_ps(scores + r, acc);
  }
  for (; r < rows; ++r) scores[r] = score_row(features + r * c, weights, columns);
}

void score_portable(const float* features, std::size_t rows, int columns, const float* weights,
                    float* scores) {
  const std::size_t c = static_cast<std::size_t>(columns);
  for (std::size_t r = 0; r < rows; ++r) scores[r] = score_row(features + r * c, weights, columns);
}

bool has_avx2_fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

class CpuFeatureScorer final : public FeatureScorer {
 public:
  std::string describe() const override {
    return has_avx2_fma() ? "cpu-fma (avx2)" : "cpu-fma (portable)";
  }

  absl::Status score_checked(const ScoringBatch& batch, std::size_t rows,
                             std::span<float> scores) const override {
    if (has_avx2_fma()) {
      score_avx2(batch.features.data(), rows, batch.columns, batch.weights.data(), scores.data());
    } else {
      score_portable(batch.features.data(), rows, batch.columns, batch.weights.data(),
                     scores.data());
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<FeatureScorer> make_cpu_feature_scorer() {
  return std::make_unique<CpuFeatureScorer>();
}

}  // namespace feedrank::kernels
