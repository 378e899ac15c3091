// The two vector checks every producer of post and user vectors shares.
#pragma once

#include <algorithm>
#include <cmath>
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
  const float scale = static_cast<float>(1.0 / std::sqrt(squared));
  for (float& x : vector) x *= scale;
}

// A vector with no direction (a post without words, a user nothing is known of).
inline bool is_zero(std::span<const float> vector) {
  return std::all_of(vector.begin(), vector.end(), [](float x) { return x == 0.0f; });
}

}  // namespace feedrank::embeddings
