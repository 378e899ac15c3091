// The statistics of experiment reports. Viewers, not impressions, are what the assignment
// randomises, and one viewer's impressions are correlated; so every metric is a ratio of per-viewer
// sums (sum of numerators / sum of denominators over viewers), its standard error comes from the
// delta method over viewers (Deng, Knoblich and Lu 2018, "Applying the Delta Method in Metric
// Analytics"), and two arms are compared with a two-sided z-test on the difference of the ratios
// (Welch-like: each arm's own variance; with thousands of viewers the normal approximation holds).
// Interleaving is judged per viewer with an exact two-sided sign test. Holm's step-down
// correction keeps the chance of any false "significant" across a report's metrics at alpha.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace feedrank::ranker {

// One viewer's contribution to a ratio metric.
struct RatioSample {
  double numerator = 0;
  double denominator = 0;
};

struct RatioEstimate {
  bool defined = false;  // false when the denominators sum to 0 (nothing to measure)
  double value = 0;      // sum(numerator) / sum(denominator)
  double std_error = 0;  // delta method; 0 with fewer than 2 viewers
  double ci_low = 0;     // value -/+ 1.96 std_error (95%)
  double ci_high = 0;
  std::size_t viewers = 0;
};

RatioEstimate estimate_ratio(std::span<const RatioSample> viewers);

struct RatioComparison {
  bool defined = false;   // both estimates defined, of 2+ viewers each, with a non-zero error
  double difference = 0;  // treatment - control
  double relative = 0;    // difference / control (NaN when control is 0: no relative change)
  double z = 0;
  double p_value = 1;  // two-sided
};

RatioComparison compare_ratios(const RatioEstimate& control, const RatioEstimate& treatment);

// Two-sided exact binomial test of wins_a against wins_b at p = 1/2 (ties left out before).
// 1 when both are 0.
double sign_test_p_value(std::uint64_t wins_a, std::uint64_t wins_b);

// Holm's step-down procedure: which of the p-values are significant at family-wise `alpha`.
std::vector<bool> holm_significant(std::span<const double> p_values, double alpha = 0.05);

// The standard normal's two-sided tail: P(|Z| >= |z|).
double two_sided_normal_p(double z);

}  // namespace feedrank::ranker
