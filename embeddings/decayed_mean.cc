#include "embeddings/decayed_mean.h"

#include <algorithm>
#include <cmath>

namespace feedrank::embeddings {
namespace {

// Below this factor an old sum is only denormal noise: dropping it keeps later updates off the
// slow denormal path (about 100 half-lives of silence).
constexpr double kNegligibleFactor = 1e-30;

}  // namespace

double decay_factor(TimestampMs elapsed, TimestampMs half_life_ms) {
  if (elapsed <= 0) return 1.0;
  return std::exp2(-static_cast<double>(elapsed) / static_cast<double>(half_life_ms));
}

void DecayedMean::add(std::span<const float> vector, double weight, TimestampMs at,
                      TimestampMs half_life_ms) {
  if (sum_.empty()) {
    sum_.assign(vector.begin(), vector.end());
    for (float& x : sum_) x *= static_cast<float>(weight);
    weight_ = weight;
    as_of_ = at;
    return;
  }
  if (at > as_of_) {
    const double old_factor = decay_factor(at - as_of_, half_life_ms);
    as_of_ = at;
    if (old_factor < kNegligibleFactor) {
      std::fill(sum_.begin(), sum_.end(), 0.0f);
      weight_ = 0.0;
    } else {
      const auto f = static_cast<float>(old_factor);
      for (float& x : sum_) x *= f;
      weight_ *= old_factor;
    }
  } else {
    weight *= decay_factor(as_of_ - at, half_life_ms);
  }
  const auto w = static_cast<float>(weight);
  for (std::size_t i = 0; i < sum_.size(); ++i) sum_[i] += w * vector[i];
  weight_ += weight;
}

double DecayedMean::weight_at(TimestampMs now, TimestampMs half_life_ms) const {
  return weight_ * decay_factor(now - as_of_, half_life_ms);
}

bool DecayedMean::mean(std::span<float> out) const {
  if (empty()) {
    std::fill(out.begin(), out.end(), 0.0f);
    return false;
  }
  const auto inv = static_cast<float>(1.0 / weight_);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = sum_[i] * inv;
  return true;
}

double DecayedMean::accumulate_at(TimestampMs now, TimestampMs half_life_ms,
                                  std::span<float> out) const {
  if (empty()) return 0.0;
  const double factor = decay_factor(now - as_of_, half_life_ms);
  const auto f = static_cast<float>(factor);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] += f * sum_[i];
  return weight_ * factor;
}

void DecayedMean::assign(std::span<const float> sum, double weight, TimestampMs as_of) {
  sum_.assign(sum.begin(), sum.end());
  weight_ = sum.empty() ? 0.0 : weight;
  as_of_ = as_of;
}

}  // namespace feedrank::embeddings
