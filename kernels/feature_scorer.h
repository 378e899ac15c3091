// Batched linear scoring of a feature matrix: score[r] = sum_j weights[j] * features[r][j],
// accumulated in float from 0 with one fused multiply-add per feature in column order
// (j = 0, 1, ...). IEEE fma rounds once, so the CPU and GPU twins give the same bits (tested: bit
// equality between them, and within 1e-5 of a double-precision sum). The ranker's scoring stage
// calls it once per request; a caller may also stack the rows of many viewers in one matrix
// (the benchmarks' 256-viewer case; the server does not batch requests yet). Knows nothing of posts
// or features' meanings: only a row-major matrix and a weight vector. The GPU twin copies the
// matrix from host memory on every call, which dominates its time (see benchmarks/gpu/NOTES.md):
// for one viewer's rows the CPU twin is faster.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace feedrank::kernels {

struct ScoringBatch {
  std::span<const float> features;  // rows x columns floats, row-major
  int columns = 0;                  // features per row, 1..kMaxScoringColumns
  std::span<const float> weights;   // `columns` floats
};

inline constexpr int kMaxScoringColumns = 256;

class FeatureScorer {
 public:
  virtual ~FeatureScorer() = default;

  // Which backend, for logs and responses, e.g. "cpu-fma" or "gpu (NVIDIA H200)".
  virtual std::string describe() const = 0;

  // Writes one score per row into `scores` (size = rows). INVALID_ARGUMENT naming the field for
  // columns outside 1..kMaxScoringColumns, weights.size() != columns, features.size() not a
  // multiple of columns, scores.size() != rows, or a NaN/infinite weight; INTERNAL with the
  // CUDA/cuBLAS message when the GPU fails (never a crash). Zero rows is OK (nothing written).
  // Thread-safe: concurrent calls are allowed. Checks the arguments once for every backend,
  // then calls score_checked.
  absl::Status score(const ScoringBatch& batch, std::span<float> scores) const;

 protected:
  // The backend's work on arguments score() has checked: `rows` >= 1 rows of batch.columns.
  virtual absl::Status score_checked(const ScoringBatch& batch, std::size_t rows,
                                     std::span<float> scores) const = 0;
};

// The CPU twin (always available).
std::unique_ptr<FeatureScorer> make_cpu_feature_scorer();

// The CUDA twin on device 0. FAILED_PRECONDITION with the reason when no GPU is usable or the
// build has no CUDA.
absl::StatusOr<std::unique_ptr<FeatureScorer>> make_gpu_feature_scorer();

}  // namespace feedrank::kernels
