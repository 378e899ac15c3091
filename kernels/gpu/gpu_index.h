// The GPU backend of VectorIndex: exact inner-product top-k over the post matrix kept resident
// on an NVIDIA GPU (fp32, or fp16 storage that halves memory and bandwidth).
//
// Small batches (<= fused_max_batch queries) take a fused scan that streams the matrix once,
// computing dot products in registers and keeping top-k lists in shared memory (no score row
// in global memory). Larger batches take cuBLAS GEMMs over tiles of rows, each followed by the
// project's warp-select kernel with tombstones and excludes applied inside it. Results and
// validation match every other backend (search_checks.h).
//
// Precision: fp32 storage computes fp32 dot products (GEMMs without TF32). fp16 storage rounds
// the matrix to fp16 (values beyond +-65504 saturate to it); the fused scan keeps queries in
// fp32, the GEMM path rounds each query, scaled to max |value| = 1, to fp16 too, and accumulates
// in fp32. Expect score errors of about 1e-3 x |query| x |row| with fp16 storage.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "kernels/vector_index.h"

namespace feedrank::kernels {

// The most queries of one GEMM pass: its selection and merge kernels take a query per grid row,
// and CUDA allows at most 65535 rows (gridDim.y).
inline constexpr int kMaxGemmBatch = 65535;

struct GpuIndexOptions {
  bool fp16_storage = false;
  int device = 0;
  // Tuning knobs. The defaults suit an H100/H200 at dimension 128; tests shrink them to reach
  // edge cases (many tiles, growth) on small inputs.
  // Measured on an H200 (benchmarks/RESULTS.md, 2026-12-04): 128 MB tiles cut selection's
  // share of 10M x 1024 queries from 37-189% of the GEMM time (32 MB) to 22-80%, and the GEMM
  // path beats the fused scan from 8 queries on (0.49 against 0.84 ms at 1M fp32, k 10), while
  // one query is faster fused (0.22 against 0.28 ms). Tiles are sized to the batch, so a small
  // corpus or batch does not take 2 x 128 MB.
  std::size_t initial_capacity_rows = std::size_t{1} << 16;  // first device allocation
  std::size_t score_tile_bytes = std::size_t{128} << 20;     // one GEMM output tile (two kept)
  int fused_max_batch = 1;           // batches up to this size take the fused scan
  int max_gemm_batch = 1024;         // queries per GEMM pass (<= kMaxGemmBatch); more are split
  int max_concurrent_searches = 4;   // search contexts (streams + scratch), created on demand
};

// Device time of one search, for benchmarks.
struct GpuSearchTiming {
  double device_ms = 0.0;  // CUDA events from the query upload to the last kernel
  std::string path;        // "fused" or "gemm" (of the last query group)
};

class GpuIndex : public VectorIndex {
 public:
  bool mirrors_tombstones() const override { return true; }  // the device holds its own copy
  // search() that also reports the device time and the path taken.
  virtual absl::StatusOr<SearchResults> search_timed(const SearchRequest& request,
                                                     GpuSearchTiming* timing) const = 0;
  // Runs only the GEMM tiles the GEMM path would run for these queries (no selection) and
  // returns their device time in milliseconds: the baseline for the cost of selection.
  virtual absl::StatusOr<double> gemm_only_ms(std::span<const float> queries) const = 0;
};

// UNAVAILABLE with the reason when no usable GPU exists (or the build has no CUDA);
// INVALID_ARGUMENT for a dimension < 1 or a device index out of range.
absl::StatusOr<std::unique_ptr<GpuIndex>> create_gpu_index(int dimension,
                                                           GpuIndexOptions options = {});

}  // namespace feedrank::kernels
