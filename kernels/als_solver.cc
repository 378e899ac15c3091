// AlsSolver's entries: the argument checks both twins share (so that the CPU and the GPU reject
// the same bad input with the same messages, the GPU before it touches the device), then the
// backend.
#include "kernels/als_solver.h"

#include <cmath>
#include <string>

namespace feedrank::kernels {
namespace {

absl::Status check_factors(const FactorMatrix& matrix, std::string_view field) {
  if (matrix.factors < 1 || matrix.factors > kMaxAlsFactors) {
    return absl::InvalidArgumentError(std::string(field) + ".factors: " +
                                      std::to_string(matrix.factors) + " is outside 1.." +
                                      std::to_string(kMaxAlsFactors));
  }
  if (matrix.values.size() != matrix.rows * static_cast<std::size_t>(matrix.factors)) {
    return absl::InvalidArgumentError(
        std::string(field) + ".values: " + std::to_string(matrix.values.size()) + " floats for " +
        std::to_string(matrix.rows) + " rows of " + std::to_string(matrix.factors) + " factors");
  }
  return absl::OkStatus();
}

absl::Status check_rows(const ConfidenceRows& matrix, std::size_t fixed_rows) {
  if (matrix.offsets.size() != matrix.rows + 1) {
    return absl::InvalidArgumentError("matrix.offsets: " + std::to_string(matrix.offsets.size()) +
                                      " offsets for " + std::to_string(matrix.rows) +
                                      " rows (want rows + 1)");
  }
  if (matrix.offsets[0] != 0) {
    return absl::InvalidArgumentError("matrix.offsets[0]: must be 0");
  }
  for (std::size_t r = 0; r < matrix.rows; ++r) {
    if (matrix.offsets[r + 1] < matrix.offsets[r]) {
      return absl::InvalidArgumentError("matrix.offsets[" + std::to_string(r + 1) +
                                        "]: smaller than the offset before it");
    }
  }
  const std::uint64_t entries = matrix.offsets[matrix.rows];
  if (matrix.columns.size() != entries || matrix.confidences.size() != entries) {
    return absl::InvalidArgumentError(
        std::string(matrix.columns.size() != entries ? "matrix.columns: " : "matrix.confidences: ") +
        std::to_string(matrix.columns.size() != entries ? matrix.columns.size()
                                                        : matrix.confidences.size()) +
        " entries where the offsets say " + std::to_string(entries));
  }
  for (std::size_t e = 0; e < entries; ++e) {
    if (matrix.columns[e] >= fixed_rows) {
      return absl::InvalidArgumentError("matrix.columns[" + std::to_string(e) + "]: " +
                                        std::to_string(matrix.columns[e]) + " is not below the " +
                                        std::to_string(fixed_rows) + " fixed rows");
    }
    if (!(matrix.confidences[e] > 0.0f) || !std::isfinite(matrix.confidences[e])) {
      return absl::InvalidArgumentError("matrix.confidences[" + std::to_string(e) +
                                        "]: must be a finite number above 0");
    }
  }
  return absl::OkStatus();
}

absl::Status check_step(const AlsStep& step, std::span<const float> solved) {
  if (absl::Status status = check_factors(step.fixed, "fixed"); !status.ok()) return status;
  if (absl::Status status = check_rows(step.matrix, step.fixed.rows); !status.ok()) return status;
  const auto factors = static_cast<std::size_t>(step.fixed.factors);
  if (step.gram.size() != factors * factors) {
    return absl::InvalidArgumentError("gram: " + std::to_string(step.gram.size()) +
                                      " floats for " + std::to_string(factors) + " x " +
                                      std::to_string(factors));
  }
  // Above 0, so that every row's matrix is positive definite and p.Ap > 0 whenever the
  // residual is above the floor: no step divides by zero.
  if (!(step.regularization > 0.0f) || !std::isfinite(step.regularization)) {
    return absl::InvalidArgumentError("regularization: must be a finite number above 0");
  }
  if (step.cg_steps < 1 || step.cg_steps > kMaxAlsCgSteps) {
    return absl::InvalidArgumentError("cg_steps: " + std::to_string(step.cg_steps) +
                                      " is outside 1.." + std::to_string(kMaxAlsCgSteps));
  }
  if (solved.size() != step.matrix.rows * factors) {
    return absl::InvalidArgumentError("solved: " + std::to_string(solved.size()) + " floats for " +
                                      std::to_string(step.matrix.rows) + " rows of " +
                                      std::to_string(factors) + " factors");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status AlsSolver::gram(const FactorMatrix& fixed, std::span<float> out) const {
  if (absl::Status status = check_factors(fixed, "fixed"); !status.ok()) return status;
  const auto factors = static_cast<std::size_t>(fixed.factors);
  if (out.size() != factors * factors) {
    return absl::InvalidArgumentError("out: " + std::to_string(out.size()) + " floats for " +
                                      std::to_string(factors) + " x " + std::to_string(factors));
  }
  return gram_checked(fixed, out);
}

absl::Status AlsSolver::solve(const AlsStep& step, std::span<float> solved) const {
  if (absl::Status status = check_step(step, solved); !status.ok()) return status;
  if (step.matrix.rows == 0) return absl::OkStatus();
  return solve_checked(step, solved);
}

}  // namespace feedrank::kernels
