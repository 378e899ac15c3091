// Implicit-feedback ALS training (Hu, Koren and Volinsky 2008) on any AlsSolver: alternate a
// users half-step (posts fixed) and a posts half-step (users fixed) until the loss stops falling
// or the iterations run out. Deterministic given the seed: the initial factors come from
// SplitMix64, and each half-step is a deterministic function of its inputs on a given backend.
// Knows nothing of users or posts: rows and columns of a confidence matrix.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "absl/status/statusor.h"
#include "kernels/als_solver.h"

namespace feedrank::kernels {

// A confidence matrix that owns its entries (ConfidenceRows is a view of it).
struct OwnedConfidenceRows {
  std::size_t rows = 0;
  std::vector<std::uint64_t> offsets{0};
  std::vector<std::uint32_t> columns;
  std::vector<float> confidences;

  ConfidenceRows view() const { return {rows, offsets, columns, confidences}; }
};

// The transpose (columns become rows): `columns` is the number of columns of `matrix`. Entries
// of each new row come in the order of the old rows.
OwnedConfidenceRows transpose(const ConfidenceRows& matrix, std::size_t columns);

// One confidence matrix in both orientations: users x items and items x users.
struct AlsProblem {
  ConfidenceRows by_user;
  ConfidenceRows by_item;
};

struct AlsTrainingOptions {
  int factors = 128;
  int max_iterations = 15;
  float regularization = 0.05f;
  int cg_steps = 3;
  // Stop once an iteration lowers the loss by less than this share of it; 0 runs every
  // iteration and computes no loss.
  double tolerance = 1e-3;
  std::uint64_t seed = 1;
};

struct AlsIteration {
  int iteration = 0;        // 1-based
  double seconds = 0;       // both half-steps (the loss not included)
  double loss = std::numeric_limits<double>::quiet_NaN();  // per user-item pair; NaN when not computed
};

struct AlsFactors {
  int factors = 0;
  std::vector<float> users;  // by_user.rows x factors, row-major
  std::vector<float> items;  // by_item.rows x factors
  std::vector<AlsIteration> iterations;
  bool converged = false;  // stopped by the tolerance rather than max_iterations
};

// Hears each iteration as it ends; returning false stops training (CANCELLED).
using AlsProgress = std::function<bool(const AlsIteration&)>;

// INVALID_ARGUMENT naming the option or the matrix field at fault; the solver's errors as they
// come.
absl::StatusOr<AlsFactors> train_implicit_als(const AlsSolver& solver, const AlsProblem& problem,
                                              const AlsTrainingOptions& options,
                                              const AlsProgress& progress = {});

// rows x factors values in [0, 0.01) from SplitMix64(seed): the starting point of training.
std::vector<float> initial_factors(std::size_t rows, int factors, std::uint64_t seed);

// The objective per user-item pair: (sum over all pairs of c_ui (p_ui - x_u . y_i)^2 +
// lambda (|X|^2 + |Y|^2)) / (users x items), in double; `gram` is Y'Y.
double implicit_als_loss(const ConfidenceRows& by_user, const FactorMatrix& users,
                         const FactorMatrix& items, std::span<const float> gram,
                         float regularization);

}  // namespace feedrank::kernels
