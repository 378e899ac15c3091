#include "ranker/retrieval/index_choice.h"

#include "kernels/cpu/exact_scan_index.h"
#include "kernels/gpu/gpu_index.h"

namespace feedrank::ranker {
namespace {

std::unique_ptr<kernels::VectorIndex> make_cpu_index(int dimension,
                                                     const RetrievalOptions& options) {
  if (options.cpu_index == CpuIndexKind::kExact) {
    return kernels::make_cpu_exact_index(dimension);
  }
  return kernels::make_faiss_index(dimension, faiss_options(options));
}

ChosenIndex cpu_choice(int dimension, const RetrievalOptions& options, const std::string& why) {
  auto index = make_cpu_index(dimension, options);
  std::string line = "retrieval backend: " + index->describe() + ", chosen by " + why;
  return {std::move(index), kernels::BackendKind::kCpu, std::move(line)};
}

}  // namespace

kernels::FaissIndexOptions faiss_options(const RetrievalOptions& options) {
  kernels::FaissIndexOptions faiss;
  faiss.kind = options.cpu_index == CpuIndexKind::kHnsw      ? kernels::FaissIndexOptions::kHnsw
               : options.cpu_index == CpuIndexKind::kIvfFlat ? kernels::FaissIndexOptions::kIvfFlat
                                                             : kernels::FaissIndexOptions::kFlat;
  faiss.ef_search = options.ef_search;
  faiss.nprobe = options.nprobe;
  return faiss;
}

bool parse_cpu_index_kind(std::string_view text, CpuIndexKind& out) {
  if (text == "exact")
    out = CpuIndexKind::kExact;
  else if (text == "flat")
    out = CpuIndexKind::kFaissFlat;
  else if (text == "hnsw")
    out = CpuIndexKind::kHnsw;
  else if (text == "ivf")
    out = CpuIndexKind::kIvfFlat;
  else
    return false;
  return true;
}

absl::StatusOr<ChosenIndex> choose_index(int dimension, const RetrievalOptions& options) {
  const kernels::BackendResolution resolution = kernels::resolve_backend(options.backend);
  if (!resolution.ok) return absl::FailedPreconditionError(resolution.choice.reason);
  if (resolution.choice.kind == kernels::BackendKind::kCpu) {
    return cpu_choice(dimension, options, resolution.choice.reason);
  }
  kernels::GpuIndexOptions gpu;
  gpu.fp16_storage = options.gpu_fp16;
  auto index = kernels::create_gpu_index(dimension, gpu);
  if (!index.ok()) {
    const std::string why = "the GPU index could not be created: " +
                            std::string(index.status().message());
    if (options.backend == kernels::BackendRequest::kGpu) {
      return absl::FailedPreconditionError("backend gpu requested but " + why);
    }
    return cpu_choice(dimension, options, "--backend=auto: " + why);
  }
  std::string line =
      "retrieval backend: " + (*index)->describe() + ", chosen by " + resolution.choice.reason;
  return ChosenIndex{std::move(*index), kernels::BackendKind::kGpu, std::move(line)};
}

}  // namespace feedrank::ranker
