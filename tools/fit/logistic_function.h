// The logistic function and its log-likelihood term, computed without overflow for any logit.
#pragma once

#include <cmath>

namespace feedrank::fit {

inline double sigmoid(double logit) {
  if (logit >= 0) return 1.0 / (1.0 + std::exp(-logit));
  const double e = std::exp(logit);
  return e / (1.0 + e);
}

// ln(1 + e^x): -ln sigmoid(-x), the loss of a label the logit x argues against.
inline double softplus(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

}  // namespace feedrank::fit
