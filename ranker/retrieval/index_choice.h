// Which VectorIndex serves retrieval, decided once at start from --backend and the CPU index
// settings: `auto` takes the GPU when one is usable and says why not otherwise, in one log line.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "kernels/compute_backend.h"
#include "kernels/cpu/faiss_index.h"
#include "kernels/vector_index.h"

namespace feedrank::ranker {

// The CPU indexes: our exact SIMD scan (reads the embedding table in place, so writes cost it
// nothing) or one of FAISS's. HNSW and IVF are approximate; each added post costs HNSW a graph
// insertion (about 1.3 ms of one core at 100k rows, d = 128), paid by the write that adds it.
enum class CpuIndexKind { kExact, kFaissFlat, kHnsw, kIvfFlat };

// "exact" | "flat" | "hnsw" | "ivf"; false for anything else.
bool parse_cpu_index_kind(std::string_view text, CpuIndexKind& out);

struct RetrievalOptions {
  kernels::BackendRequest backend = kernels::BackendRequest::kAuto;
  CpuIndexKind cpu_index = CpuIndexKind::kExact;
  int ef_search = 64;  // HNSW recall knob
  int nprobe = 16;     // IVF recall knob
  bool gpu_fp16 = false;  // GPU: store the matrix at half precision (half the memory)
  // Where an HNSW or IVF index is saved at a clean shutdown and read back at start (empty: it
  // is rebuilt at every start). See saved_index.h.
  std::string saved_index_path;
};

// The FAISS settings `options` give (for the flat, hnsw and ivf CPU indexes).
kernels::FaissIndexOptions faiss_options(const RetrievalOptions& options);

struct ChosenIndex {
  std::unique_ptr<kernels::VectorIndex> index;
  kernels::BackendKind kind = kernels::BackendKind::kCpu;
  std::string log_line;  // the one line saying which backend serves and why
};

// FAILED_PRECONDITION when `gpu` is requested and no GPU is usable (or creating its index
// fails); `auto` then falls back to the CPU index instead.
absl::StatusOr<ChosenIndex> choose_index(int dimension, const RetrievalOptions& options);

}  // namespace feedrank::ranker
