// A paired bootstrap of a difference of means: the same units (the judged viewers) measured two
// ways (two kinds of list), resampled with replacement as pairs, so that what the two share (easy
// and hard viewers) drops out of the interval. Percentile interval (Efron and Tibshirani 1993,
// ch. 13), drawn with datasets::DeterministicRandom: the same inputs and seed give the same
// interval on every machine.
#pragma once

#include <cstdint>
#include <span>

namespace feedrank::replay {

inline constexpr int kBootstrapResamples = 2000;

struct DifferenceInterval {
  double difference = 0;  // mean of a[i] - b[i]
  double low = 0;         // 2.5% and 97.5% quantiles (nearest rank) of the resampled means
  double high = 0;

  bool operator==(const DifferenceInterval&) const = default;
};

// `a` and `b` pair up by index and have the same size, at least 1; resamples >= 1.
DifferenceInterval paired_bootstrap(std::span<const double> a, std::span<const double> b,
                                    std::uint64_t seed, int resamples = kBootstrapResamples);

}  // namespace feedrank::replay
