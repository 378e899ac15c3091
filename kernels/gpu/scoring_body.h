// The feature-scoring kernel body, written once for the GPU (scoring_kernels.cu wraps it in a
// __global__ function) and for the CPU emulation test (tests/kernels/simt_emulator.h). `Ops`
// supplies lane and warp ids, barriers and loads (GpuOps in gpu_ops.cuh, EmuOps in the test).
//
// Layout: each warp scores tiles of 32 consecutive rows, one row per lane, and a block's warps
// share the weights in shared memory. Weights live in shared rather than constant memory because
// constant memory is one copy per process: concurrent calls with different weights would
// overwrite each other's.
//
// Reads: a lane cannot simply walk its own row: at step j the warp's 32 loads would hit 32
// different rows (32 cache lines per instruction), and the lines survive to step j + 1 only while
// L1 holds every resident warp's rows. Instead the warp first stages its tile into shared memory
// with coalesced loads, 32 columns at a time: for a chunk of `width` columns it reads the
// 32 x width values as one flat sequence, lane l taking values l, l + 32, ..., which for the
// usual width = columns <= 32 is one contiguous span of the matrix. Then each lane runs its row's
// fma chain out of shared memory. The tile's row stride is odd (width | 1), so the 32 lanes,
// reading the same column of 32 rows, hit 32 different banks.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/gpu/select_engine.h"  // FEEDRANK_HD, bits_from_float, float_from_bits

namespace feedrank::kernels::gpu {

// What the kernel reads and writes (device pointers).
struct ScoringParams {
  const float* features = nullptr;  // rows x columns, row-major
  const float* weights = nullptr;   // columns
  float* scores = nullptr;          // rows
  std::size_t rows = 0;
  int columns = 0;  // 1..kScoringMaxColumns
};

inline constexpr int kScoringMaxColumns = 256;   // = kMaxScoringColumns (feature_scorer.h)
inline constexpr int kScoringWarps = 8;          // per block
inline constexpr int kScoringChunk = 32;         // columns staged per pass
inline constexpr int kScoringLoadsInFlight = 8;  // staging loads a lane issues before storing
// Shared memory: the weights, then one 32-row tile (row stride at most 33) per warp.
inline constexpr int kScoringTileWords = 32 * (kScoringChunk + 1);
inline constexpr int kScoringSmemWords = kScoringMaxColumns + kScoringWarps * kScoringTileWords;
// Grids stop at this many blocks, whose warps then loop over the remaining tiles: 4096 blocks of
// 8 warps cover 1M rows per pass, well past what fills any GPU.
inline constexpr std::size_t kScoringMaxBlocks = 4096;

// Blocks to launch for `rows` rows (0 for none).
inline int scoring_blocks(std::size_t rows) {
  const std::size_t tiles = (rows + 31) / 32;
  const std::size_t blocks = (tiles + kScoringWarps - 1) / kScoringWarps;
  return static_cast<int>(blocks < kScoringMaxBlocks ? blocks : kScoringMaxBlocks);
}

// The contract's rounding: one fused multiply-add.
FEEDRANK_HD float scoring_fma(float a, float b, float c) {
#if defined(__CUDA_ARCH__)
  return __fmaf_rn(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}

// One block of `blocks`: scores[r] = fma chain over the columns of row r, for this block's warps'
// tiles. smem: kScoringSmemWords words.
template <class Ops>
FEEDRANK_HD void score_block(const Ops& ops, const ScoringParams& p, std::uint32_t* smem, int block,
                             int blocks) {
  const int lane = ops.lane(), warp = ops.warp(), warps = ops.warps();
  std::uint32_t* weights = smem;
  std::uint32_t* tile = smem + kScoringMaxColumns + warp * kScoringTileWords;
  // Weight j is loaded by lane j / warps of warp j % warps: every warp's first chunk then needs
  // weights the other warps load, so a missing barrier here fails the emulation test (whose
  // fibers otherwise run in an order that hides it). The 1 KB load's bank conflicts cost nothing.
  for (int j = lane * warps + warp; j < p.columns; j += warps * 32) {
    weights[j] = bits_from_float(ops.load_f32(p.weights + j));
  }
  ops.syncthreads();

  const auto columns = static_cast<std::size_t>(p.columns);
  const std::size_t tiles = (p.rows + 31) / 32;
  for (std::size_t t = static_cast<std::size_t>(block) * warps + warp; t < tiles;
       t += static_cast<std::size_t>(blocks) * warps) {
    const std::size_t row0 = t * 32;
    const int tile_rows = p.rows - row0 < 32 ? static_cast<int>(p.rows - row0) : 32;
    const float* src = p.features + row0 * columns;
    float acc = 0.0f;
    for (int c0 = 0; c0 < p.columns; c0 += kScoringChunk) {
      const int width = p.columns - c0 < kScoringChunk ? p.columns - c0 : kScoringChunk;
      const int stride = width | 1;
      // Value e = lane + 32 k of the chunk is (row i, column j) = (e / width, e % width); walk
      // (i, j) forward by 32 values per step instead of dividing.
      const int di = 32 / width, dj = 32 % width;
      int i = lane / width, j = lane % width;
      for (int k0 = 0; k0 < width; k0 += kScoringLoadsInFlight) {
        float v[kScoringLoadsInFlight];
        int at[kScoringLoadsInFlight];  // shared-memory word, or -1 for nothing to store
        FEEDRANK_UNROLL
        for (int u = 0; u < kScoringLoadsInFlight; ++u) {
          const bool load = k0 + u < width && i < tile_rows;
          v[u] = load ? ops.load_f32(src + static_cast<std::size_t>(i) * columns + c0 + j) : 0.0f;
          at[u] = load ? i * stride + j : -1;
          i += di;
          j += dj;
          if (j >= width) {
            j -= width;
            ++i;
          }
        }
        FEEDRANK_UNROLL
        for (int u = 0; u < kScoringLoadsInFlight; ++u) {
          if (at[u] >= 0) tile[at[u]] = bits_from_float(v[u]);
        }
      }
      ops.syncwarp();
      if (lane < tile_rows) {
        for (int jj = 0; jj < width; ++jj) {
          acc = scoring_fma(float_from_bits(weights[c0 + jj]),
                            float_from_bits(tile[lane * stride + jj]), acc);
        }
      }
      ops.syncwarp();  // the tile is rewritten by the next chunk
    }
    if (lane < tile_rows) p.scores[row0 + lane] = acc;
  }
}

}  // namespace feedrank::kernels::gpu
