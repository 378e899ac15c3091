#include "tools/fit/recency_column.h"

#include <cmath>

#include "ranker/pipeline/features.h"

namespace feedrank::fit {

float recency_from_log_age(float log_age_hours, double half_life_hours) {
  // The float log age carries a relative error of ~6e-8, which moves the age by far less than a
  // millisecond at the ages where recency is distinguishable from 0.
  const double age_hours = std::expm1(static_cast<double>(log_age_hours));
  return static_cast<float>(std::exp2(-age_hours / half_life_hours));
}

void set_recency_half_life(ExampleMatrix& examples, double half_life_hours) {
  constexpr auto kRecency = static_cast<std::size_t>(ranker::Feature::kRecency);
  constexpr auto kLogAge = static_cast<std::size_t>(ranker::Feature::kLogAge);
  for (std::size_t i = 0; i < examples.rows(); ++i) {
    const std::span<float> row = examples.row(i);
    row[kRecency] = recency_from_log_age(row[kLogAge], half_life_hours);
  }
}

}  // namespace feedrank::fit
