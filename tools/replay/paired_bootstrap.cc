#include "tools/replay/paired_bootstrap.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tools/datasets/deterministic_random.h"

namespace feedrank::replay {
namespace {

double mean(std::span<const double> values) {
  double total = 0;
  for (double value : values) total += value;
  return total / static_cast<double>(values.size());
}

// The value at quantile q of sorted values, by nearest rank over [0, n - 1].
double quantile(const std::vector<double>& sorted, double q) {
  return sorted[static_cast<std::size_t>(std::lround(q * static_cast<double>(sorted.size() - 1)))];
}

}  // namespace

DifferenceInterval paired_bootstrap(std::span<const double> a, std::span<const double> b,
                                    std::uint64_t seed, int resamples) {
  std::vector<double> differences(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) differences[i] = a[i] - b[i];
  datasets::DeterministicRandom random(seed);
  std::vector<double> means(static_cast<std::size_t>(resamples));
  std::vector<double> drawn(differences.size());
  for (double& resampled : means) {
    for (double& value : drawn) value = differences[random.below(differences.size())];
    resampled = mean(drawn);
  }
  std::sort(means.begin(), means.end());
  return {mean(differences), quantile(means, 0.025), quantile(means, 0.975)};
}

}  // namespace feedrank::replay
