// Launchers for the kernels in kernels.cu, callable from plain C++ (.cc) files. Each returns
// the launch's cudaError_t; the callers turn it into an absl::Status (cuda_status.h).
#pragma once

#include <cuda_runtime_api.h>

#include "kernels/gpu/kernel_params.h"

namespace feedrank::kernels::gpu {

// Which instantiation of the fused scan: element type, query slots (1, 2, 4, 8) and 16-byte
// chunks per lane (1, 2, 4).
struct FusedVariant {
  bool fp16 = false;
  int query_slots = 1;
  int chunks_per_lane = 1;
};

// Whether the variant exists (the dispatch table covers it).
bool fused_variant_exists(const FusedVariant& v);

// Resident blocks per multiprocessor for the variant with `warps` warps and `smem` bytes.
cudaError_t fused_blocks_per_sm(const FusedVariant& v, int warps, std::size_t smem, int* blocks);

cudaError_t launch_fused(const FusedVariant& v, const FusedParams& p, int blocks,
                         std::size_t smem, cudaStream_t stream);
cudaError_t launch_select_tile(const SelectTileParams& p, int chunks, int queries,
                               std::size_t smem, cudaStream_t stream);
cudaError_t launch_merge(const MergeParams& p, int groups, int queries, std::size_t smem,
                         cudaStream_t stream);
cudaError_t launch_compact(const CompactParams& p, int queries, std::size_t smem,
                           cudaStream_t stream);
cudaError_t launch_pack(const PackParams& p, cudaStream_t stream);

// Checks that this device can run the kernels (a kernel image exists for it).
cudaError_t probe_kernel_image();

}  // namespace feedrank::kernels::gpu
