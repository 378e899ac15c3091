// One half-step of implicit-feedback ALS (Hu, Koren and Volinsky 2008): with one side's factors
// fixed (Y, say the posts'), solve every row of the other side (X, the users') for
//   x_u = argmin  sum_i c_ui (p_ui - x_u . y_i)^2 + lambda |x_u|^2
// over ALL fixed rows i, where p_ui = 1 and c_ui = 1 + confidence_ui for the row's entries and
// p_ui = 0, c_ui = 1 elsewhere. Its normal equations are
//   (Y'Y + lambda I + sum_entries confidence_ui y_i y_i') x_u = sum_entries (1 + confidence_ui) y_i
// solved by `cg_steps` steps of conjugate gradient warm-started from the current x_u (Takács,
// Pilászy and Tikk 2011, as in the `implicit` library): O(k^2 + entries k) per step instead of a
// k x k factorisation per row. A row whose residual r.r falls below kAlsResidualFloor stops.
//
// The CPU (CBLAS, i.e. OpenBLAS on Debian) and GPU (cuBLAS plus our kernels) twins take the same
// steps in the same order per row, each deterministic; their sums run in different orders, so
// they agree to float rounding where the system is well conditioned (tested). Early in training
// at a small lambda it is not (the first posts half-step sees a nearly rank-one X'X), and three
// float CG steps there amplify rounding: whole runs then differ by up to ~1.5% in loss. Knows
// nothing of users or posts: a CSR matrix of confidences and two factor matrices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace feedrank::kernels {

// The observed entries of one side, compressed by row: row r's entries are
// [offsets[r], offsets[r + 1]); columns name rows of the fixed side. Every confidence is > 0 and
// finite (a zero-confidence entry carries no preference: leave it out).
struct ConfidenceRows {
  std::size_t rows = 0;
  std::span<const std::uint64_t> offsets;  // rows + 1, offsets[0] == 0, non-decreasing
  std::span<const std::uint32_t> columns;  // offsets[rows] entries, each < the fixed side's rows
  std::span<const float> confidences;      // offsets[rows] entries
};

// A dense row-major rows x factors matrix.
struct FactorMatrix {
  std::span<const float> values;
  std::size_t rows = 0;
  int factors = 0;
};

struct AlsStep {
  ConfidenceRows matrix;  // the solved side's rows
  FactorMatrix fixed;     // Y
  std::span<const float> gram;  // Y'Y, factors x factors (AlsSolver::gram of `fixed`)
  float regularization = 0.05f;  // lambda > 0
  int cg_steps = 3;              // 1..kMaxAlsCgSteps
};

inline constexpr int kMaxAlsFactors = 1024;
inline constexpr int kMaxAlsCgSteps = 1024;
inline constexpr double kAlsResidualFloor = 1e-20;

class AlsSolver {
 public:
  virtual ~AlsSolver() = default;

  // Which backend, for logs and benchmarks: "cpu (cblas)" or "gpu (NVIDIA H200)".
  virtual std::string describe() const = 0;

  // out = Y'Y (factors x factors, row-major, symmetric). INVALID_ARGUMENT naming the field for
  // factors outside 1..kMaxAlsFactors, values.size() != rows x factors or a wrong out size.
  absl::Status gram(const FactorMatrix& fixed, std::span<float> out) const;

  // Reads `solved` (matrix.rows x factors) as the warm start and overwrites it. INVALID_ARGUMENT
  // naming the field ("matrix.offsets", "matrix.columns[17]", "gram", "solved", ...) for any
  // malformed argument, checked before anything changes; INTERNAL with the CUDA message when the
  // GPU fails. Thread-safe: concurrent calls are allowed.
  absl::Status solve(const AlsStep& step, std::span<float> solved) const;

 protected:
  virtual absl::Status gram_checked(const FactorMatrix& fixed, std::span<float> out) const = 0;
  // `step` and `solved` passed solve()'s checks; matrix.rows >= 1.
  virtual absl::Status solve_checked(const AlsStep& step, std::span<float> solved) const = 0;
};

// The CPU twin (always available): rows in blocks over every core, Y'Y and each block's
// products with it by CBLAS.
std::unique_ptr<AlsSolver> make_cpu_als_solver();

// The CUDA twin on device 0. FAILED_PRECONDITION with the reason when no GPU is usable or the
// build has no CUDA.
absl::StatusOr<std::unique_ptr<AlsSolver>> make_gpu_als_solver();

}  // namespace feedrank::kernels
