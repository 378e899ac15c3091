#include "kernels/compute_backend.h"

namespace feedrank::kernels {

bool parse_backend_request(std::string_view text, BackendRequest& out) {
  if (text == "auto")
    out = BackendRequest::kAuto;
  else if (text == "cpu")
    out = BackendRequest::kCpu;
  else if (text == "gpu")
    out = BackendRequest::kGpu;
  else
    return false;
  return true;
}

BackendResolution resolve_backend(BackendRequest request) {
  if (request == BackendRequest::kCpu)
    return {true, {BackendKind::kCpu, "--backend=cpu"}};
  std::string why_none;
  const int gpus = usable_gpu_count(&why_none);
  if (gpus > 0) {
    return {true, {BackendKind::kGpu, std::string(request == BackendRequest::kGpu ? "--backend=gpu"
                                                                                   : "--backend=auto") +
                                          ": " + std::to_string(gpus) + " usable GPU(s)"}};
  }
  if (request == BackendRequest::kGpu) {
    return {false, {BackendKind::kCpu, "backend gpu requested but no GPU is usable: " + why_none}};
  }
  return {true, {BackendKind::kCpu, "--backend=auto: no usable GPU (" + why_none + ")"}};
}

}  // namespace feedrank::kernels
