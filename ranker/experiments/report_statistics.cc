#include "ranker/experiments/report_statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace feedrank::ranker {
namespace {

constexpr double kZ95 = 1.959963984540054;  // the standard normal's 97.5% quantile

// log P(X = k) for X ~ Bin(n, 1/2), through lgamma so that n in the millions does not overflow.
double log_binomial_half(double n, double k) {
  return std::lgamma(n + 1) - std::lgamma(k + 1) - std::lgamma(n - k + 1) - n * std::log(2.0);
}

}  // namespace

RatioEstimate estimate_ratio(std::span<const RatioSample> viewers) {
  RatioEstimate estimate;
  estimate.viewers = viewers.size();
  double sum_x = 0, sum_y = 0;
  for (const RatioSample& s : viewers) {
    sum_x += s.numerator;
    sum_y += s.denominator;
  }
  if (!(sum_y > 0)) return estimate;
  estimate.defined = true;
  estimate.value = sum_x / sum_y;
  const double n = static_cast<double>(viewers.size());
  if (viewers.size() >= 2) {
    // Deviations from the means (two passes): the one-pass sums of squares cancel badly.
    const double mx = sum_x / n, my = sum_y / n;
    double sxx = 0, syy = 0, sxy = 0;
    for (const RatioSample& s : viewers) {
      const double dx = s.numerator - mx, dy = s.denominator - my;
      sxx += dx * dx;
      syy += dy * dy;
      sxy += dx * dy;
    }
    sxx /= n - 1;
    syy /= n - 1;
    sxy /= n - 1;
    const double variance =
        (sxx / (my * my) - 2 * mx * sxy / (my * my * my) + mx * mx * syy / (my * my * my * my)) / n;
    estimate.std_error = std::sqrt(std::max(0.0, variance));
  }
  estimate.ci_low = estimate.value - kZ95 * estimate.std_error;
  estimate.ci_high = estimate.value + kZ95 * estimate.std_error;
  return estimate;
}

RatioComparison compare_ratios(const RatioEstimate& control, const RatioEstimate& treatment) {
  RatioComparison comparison;
  if (!control.defined || !treatment.defined) return comparison;
  comparison.difference = treatment.value - control.value;
  comparison.relative = control.value != 0 ? comparison.difference / control.value
                                           : std::numeric_limits<double>::quiet_NaN();
  // One viewer gives no variance (its standard error stays 0), not a certain value: a test
  // against it would call any difference significant.
  if (control.viewers < 2 || treatment.viewers < 2) return comparison;
  const double se = std::hypot(control.std_error, treatment.std_error);
  if (!(se > 0)) return comparison;
  comparison.defined = true;
  comparison.z = comparison.difference / se;
  comparison.p_value = two_sided_normal_p(comparison.z);
  return comparison;
}

double sign_test_p_value(std::uint64_t wins_a, std::uint64_t wins_b) {
  const double n = static_cast<double>(wins_a) + static_cast<double>(wins_b);
  const std::uint64_t k = std::min(wins_a, wins_b);
  if (2 * k >= wins_a + wins_b) return 1;  // a tie (0-0 included): the lower tail is >= 1/2
  // P(X <= k) = P(X = k) * (1 + r_k + r_k r_{k-1} + ...), with r_i = P(X = i-1) / P(X = i) =
  // i / (n - i + 1) < 1 below the mean; the terms shrink fast, so stop once they no longer count.
  double tail = 1, term = 1;
  for (std::uint64_t i = k; i > 0 && term > 1e-18 * tail; --i) {
    term *= static_cast<double>(i) / (n - static_cast<double>(i) + 1);
    tail += term;
  }
  const double log_lower = log_binomial_half(n, static_cast<double>(k)) + std::log(tail);
  return std::min(1.0, 2 * std::exp(log_lower));
}

std::vector<bool> holm_significant(std::span<const double> p_values, double alpha) {
  const std::size_t m = p_values.size();
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return p_values[a] < p_values[b]; });
  std::vector<bool> significant(m, false);
  for (std::size_t i = 0; i < m; ++i) {
    if (!(p_values[order[i]] <= alpha / static_cast<double>(m - i))) break;  // step-down stops
    significant[order[i]] = true;
  }
  return significant;
}

double two_sided_normal_p(double z) { return std::erfc(std::abs(z) / std::sqrt(2.0)); }

}  // namespace feedrank::ranker
