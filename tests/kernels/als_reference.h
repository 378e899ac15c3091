// The exact solution of one row's ALS normal equations, by Gaussian elimination in double: the
// reference the conjugate-gradient solvers (and the fold-in) are checked against.
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/als_solver.h"

namespace feedrank::kernels::testing {

// The exact solution of row u's normal equations, by Gaussian elimination in double.
inline std::vector<double> direct_solution(const ConfidenceRows& m, std::size_t u,
                                    const std::vector<float>& y, int k, float lambda) {
  const auto n = static_cast<std::size_t>(k);
  const std::size_t items = y.size() / n;
  std::vector<double> a(n * n, 0.0), b(n, 0.0);
  for (std::size_t i = 0; i < items; ++i) {
    for (std::size_t p = 0; p < n; ++p) {
      for (std::size_t q = 0; q < n; ++q) a[p * n + q] += double(y[i * n + p]) * y[i * n + q];
    }
  }
  for (std::size_t p = 0; p < n; ++p) a[p * n + p] += lambda;
  for (std::uint64_t e = m.offsets[u]; e < m.offsets[u + 1]; ++e) {
    const float* yi = &y[m.columns[e] * n];
    const double c = m.confidences[e];
    for (std::size_t p = 0; p < n; ++p) {
      b[p] += (1.0 + c) * yi[p];
      for (std::size_t q = 0; q < n; ++q) a[p * n + q] += c * yi[p] * yi[q];
    }
  }
  for (std::size_t col = 0; col < n; ++col) {  // symmetric positive definite: no pivoting
    for (std::size_t row = col + 1; row < n; ++row) {
      const double f = a[row * n + col] / a[col * n + col];
      for (std::size_t q = col; q < n; ++q) a[row * n + q] -= f * a[col * n + q];
      b[row] -= f * b[col];
    }
  }
  std::vector<double> x(n);
  for (std::size_t row = n; row-- > 0;) {
    double s = b[row];
    for (std::size_t q = row + 1; q < n; ++q) s -= a[row * n + q] * x[q];
    x[row] = s / a[row * n + row];
  }
  return x;
}

}  // namespace feedrank::kernels::testing
