#include "tools/fit/logistic_regression.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "fmt/format.h"
#include "tools/fit/line_search.h"
#include "tools/fit/logistic_function.h"

namespace feedrank::fit {
namespace {

// How the model sees the columns: the intercept first, then every column that varies, each
// centred and scaled to unit variance. Constant columns are left out (weight 0).
struct Standardisation {
  std::vector<int> columns;
  std::vector<double> mean;       // 0 for the intercept
  std::vector<double> inv_scale;  // 1 / standard deviation; 1 for the intercept

  std::size_t size() const { return columns.size(); }
  void apply(std::span<const float> row, std::vector<double>& out) const {
    for (std::size_t m = 0; m < columns.size(); ++m) {
      out[m] = (row[static_cast<std::size_t>(columns[m])] - mean[m]) * inv_scale[m];
    }
  }
};

absl::Status invalid(const std::string& why) { return absl::InvalidArgumentError(why); }

absl::StatusOr<Standardisation> standardise(const ExampleMatrix& examples, int intercept) {
  const auto columns = static_cast<std::size_t>(examples.columns());
  const std::size_t rows = examples.rows();
  std::vector<double> sum(columns, 0.0);
  std::vector<float> low(columns, INFINITY), high(columns, -INFINITY);
  for (std::size_t i = 0; i < rows; ++i) {
    const auto row = examples.row(i);
    for (std::size_t j = 0; j < columns; ++j) {
      if (!std::isfinite(row[j])) {
        return invalid(fmt::format("row {} column {}: not a finite number", i, j));
      }
      sum[j] += row[j];
      low[j] = std::min(low[j], row[j]);
      high[j] = std::max(high[j], row[j]);
    }
  }
  const auto intercept_index = static_cast<std::size_t>(intercept);
  if (low[intercept_index] != 1.0f || high[intercept_index] != 1.0f) {
    return invalid(fmt::format("intercept column {} must be 1 in every row", intercept));
  }
  Standardisation standard;
  standard.columns.push_back(intercept);
  standard.mean.push_back(0.0);
  for (std::size_t j = 0; j < columns; ++j) {
    // Exact comparison: a column of one repeated value has no information, however it rounds.
    if (j == intercept_index || low[j] == high[j]) continue;
    standard.columns.push_back(static_cast<int>(j));
    standard.mean.push_back(sum[j] / static_cast<double>(rows));
  }
  // Second pass for the variance: stabler than sum of squares minus squared mean.
  std::vector<double> squares(standard.size(), 0.0);
  for (std::size_t i = 0; i < rows; ++i) {
    const auto row = examples.row(i);
    for (std::size_t m = 1; m < standard.size(); ++m) {
      const double deviation =
          row[static_cast<std::size_t>(standard.columns[m])] - standard.mean[m];
      squares[m] += deviation * deviation;
    }
  }
  standard.inv_scale.assign(standard.size(), 1.0);
  for (std::size_t m = 1; m < standard.size(); ++m) {
    standard.inv_scale[m] = 1.0 / std::sqrt(squares[m] / static_cast<double>(rows));
  }
  return standard;
}

double dot(std::span<const double> a, std::span<const double> b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

// The negative log-likelihood plus the penalty (`penalty[m]` / 2 * b_m^2, 0 for the intercept).
double penalised_loss(const ExampleMatrix& examples, const Standardisation& standard,
                      std::span<const double> b, std::span<const double> penalty) {
  std::vector<double> z(standard.size());
  double loss = 0;
  for (std::size_t i = 0; i < examples.rows(); ++i) {
    standard.apply(examples.row(i), z);
    const double logit = dot(b, z);
    loss += softplus(logit) - examples.labels()[i] * logit;
  }
  for (std::size_t m = 0; m < b.size(); ++m) loss += 0.5 * penalty[m] * b[m] * b[m];
  return loss;
}

// Solves A x = rhs for a symmetric positive definite A (k x k, row-major) by Cholesky; nullopt
// when A is not positive definite.
std::optional<std::vector<double>> solve_positive_definite(std::vector<double> a,
                                                           std::vector<double> rhs) {
  const std::size_t k = rhs.size();
  for (std::size_t j = 0; j < k; ++j) {
    double pivot = a[j * k + j];
    for (std::size_t p = 0; p < j; ++p) pivot -= a[j * k + p] * a[j * k + p];
    if (!(pivot > 0)) return std::nullopt;
    a[j * k + j] = std::sqrt(pivot);
    for (std::size_t i = j + 1; i < k; ++i) {
      double value = a[i * k + j];
      for (std::size_t p = 0; p < j; ++p) value -= a[i * k + p] * a[j * k + p];
      a[i * k + j] = value / a[j * k + j];
    }
  }
  for (std::size_t i = 0; i < k; ++i) {  // L y = rhs
    for (std::size_t p = 0; p < i; ++p) rhs[i] -= a[i * k + p] * rhs[p];
    rhs[i] /= a[i * k + i];
  }
  for (std::size_t i = k; i-- > 0;) {  // L^T x = y
    for (std::size_t p = i + 1; p < k; ++p) rhs[i] -= a[p * k + i] * rhs[p];
    rhs[i] /= a[i * k + i];
  }
  return rhs;
}

// The Newton direction H^-1 g at b. When H is numerically singular (weights of near-zero
// variance in the data), a ridge that grows tenfold until it works keeps the step finite.
std::vector<double> newton_direction(const ExampleMatrix& examples, const Standardisation& standard,
                                     std::span<const double> b, std::span<const double> penalty) {
  const std::size_t k = standard.size();
  std::vector<double> gradient(k, 0.0), hessian(k * k, 0.0), z(k);
  for (std::size_t i = 0; i < examples.rows(); ++i) {
    standard.apply(examples.row(i), z);
    const double p = sigmoid(dot(b, z));
    const double residual = p - examples.labels()[i];
    const double weight = p * (1 - p);
    for (std::size_t r = 0; r < k; ++r) {
      gradient[r] += residual * z[r];
      const double weighted = weight * z[r];
      for (std::size_t c = r; c < k; ++c) hessian[r * k + c] += weighted * z[c];
    }
  }
  for (std::size_t m = 0; m < k; ++m) {
    gradient[m] += penalty[m] * b[m];
    hessian[m * k + m] += penalty[m];
  }
  for (std::size_t r = 0; r < k; ++r) {
    for (std::size_t c = 0; c < r; ++c) hessian[r * k + c] = hessian[c * k + r];
  }
  double trace = 0;
  for (std::size_t m = 0; m < k; ++m) trace += hessian[m * k + m];
  for (double ridge = 0;; ridge = ridge == 0 ? 1e-12 * (trace / k + 1) : ridge * 10) {
    std::vector<double> damped = hessian;
    for (std::size_t m = 0; m < k; ++m) damped[m * k + m] += ridge;
    if (auto direction = solve_positive_definite(std::move(damped), gradient)) return *direction;
  }
}

}  // namespace

absl::StatusOr<LogisticFit> fit_logistic_regression(const ExampleMatrix& examples,
                                                    const LogisticOptions& options) {
  if (examples.rows() == 0) return invalid("no examples to fit");
  if (options.intercept_column < 0 || options.intercept_column >= examples.columns()) {
    return invalid(fmt::format("intercept column {} is not one of the {} columns",
                               options.intercept_column, examples.columns()));
  }
  if (!(options.l2 >= 0)) return invalid("the L2 penalty must be >= 0");
  const std::size_t positives = examples.positives();
  if (positives == 0 || positives == examples.rows()) {
    return invalid(fmt::format("{} positives among {} examples: both labels are needed", positives,
                               examples.rows()));
  }
  auto standard = standardise(examples, options.intercept_column);
  if (!standard.ok()) return standard.status();

  // Start at the base rate's log-odds: the first Newton steps then stay small.
  std::vector<double> b(standard->size(), 0.0);
  const double base_rate = static_cast<double>(positives) / static_cast<double>(examples.rows());
  b[0] = std::log(base_rate / (1 - base_rate));
  // l2/2 w^2 in the column's units is l2/2 (b / sd)^2 in the standardised ones.
  std::vector<double> penalty(standard->size(), 0.0);  // 0 for the intercept
  for (std::size_t m = 1; m < penalty.size(); ++m) {
    penalty[m] = options.l2 * standard->inv_scale[m] * standard->inv_scale[m];
  }
  double loss = penalised_loss(examples, *standard, b, penalty);
  const LossAt loss_at = [&](std::span<const double> point) {
    return penalised_loss(examples, *standard, point, penalty);
  };

  LogisticFit fit;
  fit.losses.push_back(loss);
  for (fit.iterations = 1; fit.iterations <= options.max_iterations; ++fit.iterations) {
    const std::vector<double> direction = newton_direction(examples, *standard, b, penalty);
    std::optional<LineStep> step = backtracking_step(b, loss, direction, loss_at);
    if (!step) {  // b stays: as low as the arithmetic finds along Newton's direction
      fit.stalled = true;
      break;
    }
    double largest_move = 0, largest_weight = 0;
    for (std::size_t m = 0; m < b.size(); ++m) {
      largest_move = std::max(largest_move, std::abs(step->point[m] - b[m]));
      largest_weight = std::max(largest_weight, std::abs(step->point[m]));
    }
    b = std::move(step->point);
    loss = step->loss;
    fit.losses.push_back(loss);
    if (largest_move <= options.tolerance * std::max(1.0, largest_weight)) {
      fit.converged = true;
      break;
    }
  }
  fit.iterations = std::min(fit.iterations, options.max_iterations);

  // Back to the columns' units: b_m z_m = (b_m / sd_m) x_m - b_m mean_m / sd_m.
  const auto columns = static_cast<std::size_t>(examples.columns());
  fit.weights.assign(columns, 0.0);
  fit.estimated.assign(columns, false);
  double intercept = b[0];
  for (std::size_t m = 1; m < b.size(); ++m) {
    const auto column = static_cast<std::size_t>(standard->columns[m]);
    const double weight = b[m] * standard->inv_scale[m];
    fit.weights[column] = weight;
    fit.estimated[column] = true;
    intercept -= weight * standard->mean[m];
  }
  const auto intercept_column = static_cast<std::size_t>(options.intercept_column);
  fit.weights[intercept_column] = intercept;
  fit.estimated[intercept_column] = true;
  return fit;
}

std::vector<double> predict_logits(const ExampleMatrix& examples, std::span<const double> weights) {
  std::vector<double> logits(examples.rows());
  for (std::size_t i = 0; i < examples.rows(); ++i) {
    const auto row = examples.row(i);
    double logit = 0;
    for (std::size_t j = 0; j < row.size(); ++j) logit += weights[j] * row[j];
    logits[i] = logit;
  }
  return logits;
}

}  // namespace feedrank::fit
