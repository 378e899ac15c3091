// make_gpu_als_solver for builds without CUDA: the GPU twin is never available.
#include "kernels/als_solver.h"

namespace feedrank::kernels {

absl::StatusOr<std::unique_ptr<AlsSolver>> make_gpu_als_solver() {
  return absl::FailedPreconditionError("GPU ALS solver: this build has no CUDA");
}

}  // namespace feedrank::kernels
