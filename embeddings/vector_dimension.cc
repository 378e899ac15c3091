#include "embeddings/vector_dimension.h"

#include <fmt/format.h>

namespace feedrank::embeddings {

absl::Status validate_dimension(int dimension) {
  if (dimension < kMinDimension || dimension > kMaxDimension ||
      dimension % kDimensionMultiple != 0) {
    return absl::InvalidArgumentError(
        fmt::format("vector dimension {} is not a multiple of {} in [{}, {}]", dimension,
                    kDimensionMultiple, kMinDimension, kMaxDimension));
  }
  return absl::OkStatus();
}

}  // namespace feedrank::embeddings
