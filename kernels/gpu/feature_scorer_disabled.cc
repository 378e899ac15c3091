// Stands in for the GPU feature scorer in builds without CUDA (FEEDRANK_CUDA=OFF or no nvcc).
#include "kernels/feature_scorer.h"

namespace feedrank::kernels {

absl::StatusOr<std::unique_ptr<FeatureScorer>> make_gpu_feature_scorer() {
  return absl::FailedPreconditionError("no usable GPU: built without CUDA");
}

}  // namespace feedrank::kernels
