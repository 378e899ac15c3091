// The vector dimensions feedrank accepts, checked in one place so that the embedding table, the
// user vectors and the retrieval backends agree.
#pragma once

#include "absl/status/status.h"

namespace feedrank::embeddings {

inline constexpr int kMinDimension = 32;
inline constexpr int kMaxDimension = 1024;
// Rows stay 32-byte aligned relative to each other, which the SIMD and CUDA kernels rely on.
inline constexpr int kDimensionMultiple = 8;

// InvalidArgument unless kMinDimension <= dimension <= kMaxDimension and a multiple of 8.
absl::Status validate_dimension(int dimension);

}  // namespace feedrank::embeddings
