// The two vector checks every producer of post and user vectors shares.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

namespace feedrank::embeddings {

// The L2 length, summed in double.
inline float l2_norm(std::span<const float> vector) {
  double squared = 0.0;
  for (const float x : vector) squared += static_cast<double>(x) * x;
  return static_cast<float>(std::sqrt(squared));
}

// Scales `vector` to unit L2 length, summing in double; an all-zero vector stays as it is.
inline void l2_normalize(std::span<float> vector) {
  double squared = 0.0;
  for (const float x : vector) squared += static_cast<double>(x) * x;
  if (squared == 0.0) return;
  const double scale = 1.0 / std::sqrt(squared);
  if (scale <= std::numeric_limits<float>::max()) {
    const auto float_scale = static_cast<float>(scale);
    for (float& x : vector) x *= float_scale;
    return;
  }
  // Shorter than ~3e-39 (denormal values, which a caller's vector may hold): the scale overflows
  // a float, and x * inf would store infinities and NaNs. Scaled in double instead.
  for (float& x : vector) x = static_cast<float>(x * scale);
}

// A vector with no direction (a post without words, a user nothing is known of).
inline bool is_zero(std::span<const float> vector) {
  return std::all_of(vector.begin(), vector.end(), [](float x) { return x == 0.0f; });
}

}  // namespace feedrank::embeddings
