#include "kernels/implicit_als.h"

#include <cmath>
#include <string>

#include "common/split_mix64.h"
#include "common/stopwatch.h"

namespace feedrank::kernels {
namespace {

double squared_norm(std::span<const float> values) {
  double sum = 0.0;
  for (float v : values) sum += static_cast<double>(v) * v;
  return sum;
}

absl::Status check_options(const AlsTrainingOptions& options) {
  if (options.factors < 1 || options.factors > kMaxAlsFactors) {
    return absl::InvalidArgumentError("factors: " + std::to_string(options.factors) +
                                      " is outside 1.." + std::to_string(kMaxAlsFactors));
  }
  if (options.max_iterations < 1) {
    return absl::InvalidArgumentError("max_iterations: must be at least 1");
  }
  if (!(options.tolerance >= 0.0) || !std::isfinite(options.tolerance)) {
    return absl::InvalidArgumentError("tolerance: must be a finite number >= 0");
  }
  return absl::OkStatus();  // the solver checks the rest (regularization, cg_steps, matrices)
}

// One half-step: `solved` given `fixed`, whose Y'Y lands in `gram`.
absl::Status half_step(const AlsSolver& solver, const ConfidenceRows& matrix,
                       const FactorMatrix& fixed, std::vector<float>& gram,
                       std::vector<float>& solved, const AlsTrainingOptions& options) {
  if (absl::Status status = solver.gram(fixed, gram); !status.ok()) return status;
  AlsStep step;
  step.matrix = matrix;
  step.fixed = fixed;
  step.gram = gram;
  step.regularization = options.regularization;
  step.cg_steps = options.cg_steps;
  return solver.solve(step, solved);
}

}  // namespace

OwnedConfidenceRows transpose(const ConfidenceRows& matrix, std::size_t columns) {
  OwnedConfidenceRows out;
  out.rows = columns;
  out.offsets.assign(columns + 1, 0);
  for (std::uint32_t column : matrix.columns) ++out.offsets[column + 1];
  for (std::size_t c = 0; c < columns; ++c) out.offsets[c + 1] += out.offsets[c];
  out.columns.resize(matrix.columns.size());
  out.confidences.resize(matrix.columns.size());
  std::vector<std::uint64_t> next(out.offsets.begin(), out.offsets.end() - 1);
  for (std::size_t r = 0; r < matrix.rows; ++r) {
    for (std::uint64_t e = matrix.offsets[r]; e < matrix.offsets[r + 1]; ++e) {
      const std::uint64_t at = next[matrix.columns[e]]++;
      out.columns[at] = static_cast<std::uint32_t>(r);
      out.confidences[at] = matrix.confidences[e];
    }
  }
  return out;
}

std::vector<float> initial_factors(std::size_t rows, int factors, std::uint64_t seed) {
  SplitMix64 random(seed);
  std::vector<float> values(rows * static_cast<std::size_t>(factors));
  for (float& v : values) {
    v = static_cast<float>(static_cast<double>(random.next() >> 11) * 0x1.0p-53) * 0.01f;
  }
  return values;
}

double implicit_als_loss(const ConfidenceRows& by_user, const FactorMatrix& users,
                         const FactorMatrix& items, std::span<const float> gram,
                         float regularization) {
  const auto k = static_cast<std::size_t>(users.factors);
  double total = 0.0;
  for (std::size_t u = 0; u < by_user.rows; ++u) {
    const float* x = users.values.data() + u * k;
    // Every pair as if unobserved (p = 0, c = 1): x' (Y'Y) x.
    double unobserved = 0.0;
    for (std::size_t i = 0; i < k; ++i) {
      double row = 0.0;
      for (std::size_t j = 0; j < k; ++j) row += static_cast<double>(gram[i * k + j]) * x[j];
      unobserved += row * x[i];
    }
    total += unobserved;
    // The observed pairs' correction: c (1 - s)^2 instead of s^2.
    for (std::uint64_t e = by_user.offsets[u]; e < by_user.offsets[u + 1]; ++e) {
      const float* y = items.values.data() + by_user.columns[e] * k;
      double s = 0.0;
      for (std::size_t j = 0; j < k; ++j) s += static_cast<double>(x[j]) * y[j];
      const double c = 1.0 + by_user.confidences[e];
      total += c * (1.0 - s) * (1.0 - s) - s * s;
    }
  }
  total += regularization * (squared_norm(users.values) + squared_norm(items.values));
  const double pairs = static_cast<double>(users.rows) * static_cast<double>(items.rows);
  return pairs > 0 ? total / pairs : 0.0;
}

absl::StatusOr<AlsFactors> train_implicit_als(const AlsSolver& solver, const AlsProblem& problem,
                                              const AlsTrainingOptions& options,
                                              const AlsProgress& progress) {
  if (absl::Status status = check_options(options); !status.ok()) return status;
  AlsFactors out;
  out.factors = options.factors;
  const std::size_t users = problem.by_user.rows;
  const std::size_t items = problem.by_item.rows;
  // Distinct streams for the two sides, both from the one seed.
  out.users = initial_factors(users, options.factors, options.seed);
  out.items = initial_factors(items, options.factors, split_mix64_hash(options.seed));
  std::vector<float> gram(static_cast<std::size_t>(options.factors) * options.factors);
  double previous_loss = std::numeric_limits<double>::infinity();
  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    const Stopwatch iteration_time;
    const FactorMatrix item_factors{out.items, items, options.factors};
    if (absl::Status status =
            half_step(solver, problem.by_user, item_factors, gram, out.users, options);
        !status.ok()) {
      return status;
    }
    const FactorMatrix user_factors{out.users, users, options.factors};
    if (absl::Status status =
            half_step(solver, problem.by_item, user_factors, gram, out.items, options);
        !status.ok()) {
      return status;
    }
    AlsIteration record;
    record.iteration = iteration;
    record.seconds = iteration_time.seconds();
    bool converged = false;
    if (options.tolerance > 0.0) {
      if (absl::Status status = solver.gram(item_factors, gram); !status.ok()) return status;
      record.loss = implicit_als_loss(problem.by_user, user_factors, item_factors, gram,
                                      options.regularization);
      converged = previous_loss - record.loss < options.tolerance * std::abs(record.loss);
      previous_loss = record.loss;
    }
    out.iterations.push_back(record);
    if (progress && !progress(record)) {
      return absl::CancelledError("training stopped after iteration " + std::to_string(iteration));
    }
    if (converged) {
      out.converged = true;
      break;
    }
  }
  return out;
}

}  // namespace feedrank::kernels
