// The sparse half of implicit ALS's conjugate-gradient steps (kernels/als_solver.h) on the GPU,
// written once for the GPU (als_kernels.cu wraps it in __global__ functions, als_launch.h
// launches them) and for the CPU emulation test (tests/kernels/simt_emulator.h). `Ops` supplies
// lane and warp ids, shuffles, barriers and loads (GpuOps in gpu_ops.cuh, EmuOps in the test). The
// dense half, P (Y'Y + lambda I) over a chunk of rows, is one cuBLAS GEMM before each launch
// (als_solver_gpu.cc).
//
// One launch covers a chunk of rows and does, per row u, what the CPU twin's inner loops do:
//   initial: r = r + sum_entries ((1 + c) - c (y.x)) y  (r holds -x A0), p = r, rr = r.r
//   step:    unless rr < kAlsGpuResidualFloor: ap = ap + sum_entries c (y.p) y  (ap holds p A0),
//            alpha = rr / p.ap, x += alpha p, r -= alpha ap, rr' = r.r, p = r + (rr' / rr) p
// Layout: a row's factors are spread over the 32 lanes of a warp (lane l holds factors
// l, l + 32, ...: N slots per lane), dot products are butterfly shuffles, so that every lane
// ends with the same bits and takes the same branch. A light row (at most kAlsHeavyRowEntries
// entries) is one warp's. A heavy row (a popular item's thousands of users) would keep one warp
// busy long after the rest of the grid is done, so its entries are cut into segments of
// kAlsSegmentEntries, one block each, whose warps take interleaved batches of 32 entries; the
// block sums its warps' vectors in warp order into a partial vector, and a second launch
// (als_heavy_rows_block) sums each heavy row's partials in segment order and finishes the row.
// Every float sum has a fixed order, so results do not depend on scheduling (no atomics).
// Segments come first in the grid, so that the light rows fill the machine around them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/gpu/select_engine.h"  // FEEDRANK_HD, FEEDRANK_UNROLL, bits_from_float

namespace feedrank::kernels::gpu {

// A slice of a heavy row's entries: one block's work.
struct AlsSegment {
  std::uint64_t begin = 0, end = 0;  // entries
  std::uint32_t row = 0;             // chunk row
  std::uint32_t first = 0;           // 1 for the row's first segment, which adds the GEMM's row
};

// A heavy row and its segments [segments_begin, segments_end) (indices into the chunk's).
struct AlsHeavyRow {
  std::uint32_t row = 0;  // chunk row
  std::uint32_t segments_begin = 0, segments_end = 0;
};

// What one launch reads and writes (device pointers). Row u of the chunk is row first + u of
// the solved side.
struct AlsRowsParams {
  const std::uint64_t* offsets = nullptr;  // every row of the matrix + 1
  const std::uint32_t* columns = nullptr;  // the matrix's entries
  const float* confidences = nullptr;
  const float* fixed = nullptr;          // fixed rows x factors, row-major
  const AlsSegment* segments = nullptr;  // this chunk's heavy rows' segments
  const AlsHeavyRow* heavy = nullptr;    // this chunk's heavy rows
  float* partials = nullptr;             // segment_count x factors
  float* x = nullptr;                    // the chunk's rows of the solved side: rows x factors
  float* r = nullptr;                    // rows x factors: -x A0 on entry to the initial launch
  float* p = nullptr;                    // rows x factors
  float* ap = nullptr;                   // rows x factors: p A0 on entry to a step's launch
  float* residual = nullptr;             // rows: r.r
  std::size_t first = 0;
  std::size_t rows = 0;
  std::size_t segment_count = 0;
  std::size_t heavy_count = 0;
  int factors = 0;  // 1..1024
};

inline constexpr int kAlsMaxFactors = 1024;            // = kMaxAlsFactors (als_solver.h)
inline constexpr double kAlsGpuResidualFloor = 1e-20;  // = kAlsResidualFloor (als_solver.h)
// Rows with more entries are heavy. A warp walks a light row's entries 32 at a time, a few in
// flight at once; a block of 8 warps walks a segment's, 256 per warp like the longest light row.
inline constexpr std::uint64_t kAlsHeavyRowEntries = 256;
inline constexpr int kAlsWarps = 8;  // per block
inline constexpr std::uint64_t kAlsSegmentEntries = kAlsHeavyRowEntries * kAlsWarps;

// Slots per lane for `factors`: the least power of two N with 32 N >= factors (1..32).
constexpr int als_slots(int factors) {
  int n = 1;
  while (32 * n < factors) n *= 2;
  return n;
}
// Entries a warp has in flight at once (their loads overlap): up to 16 factor values per lane.
template <int N>
inline constexpr int kAlsUnroll = N <= 4   ? 4
                                  : N == 8 ? 2
                                           : 1;
// A segment block's warps' vectors.
template <int N>
inline constexpr int kAlsSmemWords = kAlsWarps * 32 * N;

// The rows launch: one block per segment, then one per kAlsWarps light rows (heavy rows' warps
// there idle). The heavy rows launch: one block per kAlsWarps heavy rows.
inline std::size_t als_rows_blocks(std::size_t rows, std::size_t segment_count) {
  return segment_count + (rows + kAlsWarps - 1) / kAlsWarps;
}
inline std::size_t als_heavy_rows_blocks(std::size_t heavy_count) {
  return (heavy_count + kAlsWarps - 1) / kAlsWarps;
}

// Appends the heavy rows of rows [first, first + rows) and their segments, in row order, with
// chunk row indices and segment indices counted from `segment_base` (the chunk's first segment
// in `segments`).
inline void append_heavy_rows(const std::uint64_t* offsets, std::size_t first, std::size_t rows,
                              std::size_t segment_base, std::vector<AlsSegment>& segments,
                              std::vector<AlsHeavyRow>& heavy) {
  for (std::size_t u = 0; u < rows; ++u) {
    const std::uint64_t begin = offsets[first + u], end = offsets[first + u + 1];
    if (end - begin <= kAlsHeavyRowEntries) continue;
    AlsHeavyRow h;
    h.row = static_cast<std::uint32_t>(u);
    h.segments_begin = static_cast<std::uint32_t>(segments.size() - segment_base);
    for (std::uint64_t b = begin; b < end; b += kAlsSegmentEntries) {
      AlsSegment s;
      s.begin = b;
      s.end = end - b < kAlsSegmentEntries ? end : b + kAlsSegmentEntries;
      s.row = h.row;
      s.first = b == begin ? 1u : 0u;
      segments.push_back(s);
    }
    h.segments_end = static_cast<std::uint32_t>(segments.size() - segment_base);
    heavy.push_back(h);
  }
}

namespace als_detail {

// Every lane gets the same sum (the butterfly adds the same pairs in the same order).
template <int U, class Ops>
FEEDRANK_HD void warp_sums(const Ops& ops, float (&d)[U]) {
  FEEDRANK_UNROLL
  for (int m = 16; m >= 1; m >>= 1) {
    FEEDRANK_UNROLL
    for (int u = 0; u < U; ++u) d[u] += ops.shfl_xor(d[u], m);
  }
}

template <class Ops>
FEEDRANK_HD float warp_sum(const Ops& ops, float v) {
  float d[1] = {v};
  warp_sums(ops, d);
  return d[0];
}

// acc += sum over this warp's share of [begin, end) of coef y, where y is the entry's fixed row,
// c its confidence, d = y.v and coef = (1 + c) - c d (kInitial, v = x) or c d (v = p). The warp
// takes the batches of 32 entries starting at begin + 32 (part + parts i), in order.
template <int N, bool kInitial, class Ops>
FEEDRANK_HD void accumulate_entries(const Ops& ops, const AlsRowsParams& p, std::uint64_t begin,
                                    std::uint64_t end, int part, int parts, const float (&v)[N],
                                    float (&acc)[N]) {
  constexpr int U = kAlsUnroll<N>;
  const int lane = ops.lane();
  const auto k = static_cast<std::size_t>(p.factors);
  for (std::uint64_t batch = begin + 32u * static_cast<std::uint64_t>(part); batch < end;
       batch += 32u * static_cast<std::uint64_t>(parts)) {
    const int n = end - batch < 32 ? static_cast<int>(end - batch) : 32;
    // Lane l loads entry batch + l; the warp then walks them by shuffles.
    std::uint32_t my_column = 0, my_confidence = 0;
    if (lane < n) {
      my_column = ops.load_u32(p.columns + batch + lane);
      my_confidence = bits_from_float(ops.load_f32(p.confidences + batch + lane));
    }
    FEEDRANK_NO_UNROLL
    for (int t = 0; t < n; t += U) {
      float y[U][N];
      float d[U];
      float c[U];
      bool valid[U];
      FEEDRANK_UNROLL
      for (int u = 0; u < U; ++u) {
        valid[u] = t + u < n;
        const std::uint32_t column = ops.shfl_u32(my_column, (t + u) & 31);
        c[u] = float_from_bits(ops.shfl_u32(my_confidence, (t + u) & 31));
        const float* row = p.fixed + static_cast<std::size_t>(column) * k;
        d[u] = 0.0f;
        FEEDRANK_UNROLL
        for (int j = 0; j < N; ++j) {
          const int f = lane + 32 * j;
          y[u][j] = valid[u] && f < p.factors ? ops.load_f32(row + f) : 0.0f;
          d[u] += y[u][j] * v[j];
        }
      }
      warp_sums(ops, d);
      FEEDRANK_UNROLL
      for (int u = 0; u < U; ++u) {
        if (!valid[u]) continue;  // warp-uniform
        const float coef = kInitial ? (1.0f + c[u]) - c[u] * d[u] : c[u] * d[u];
        FEEDRANK_UNROLL
        for (int j = 0; j < N; ++j) acc[j] += coef * y[u][j];
      }
    }
  }
}

// Row u's vectors from `acc` (r for kInitial, else ap) and `v` (p when not kInitial), by one warp.
template <int N, bool kInitial, class Ops>
FEEDRANK_HD void finish_row(const Ops& ops, const AlsRowsParams& p, std::size_t u,
                            const float (&v)[N], const float (&acc)[N], float rr) {
  const int lane = ops.lane();
  const std::size_t base = u * static_cast<std::size_t>(p.factors);
  if constexpr (kInitial) {
    float sum = 0.0f;
    FEEDRANK_UNROLL
    for (int j = 0; j < N; ++j) {
      const int f = lane + 32 * j;
      if (f < p.factors) {
        p.r[base + f] = acc[j];
        p.p[base + f] = acc[j];
      }
      sum += acc[j] * acc[j];  // 0 past the factors
    }
    sum = warp_sum(ops, sum);
    if (lane == 0) p.residual[u] = sum;
  } else {
    float pap = 0.0f;
    FEEDRANK_UNROLL
    for (int j = 0; j < N; ++j) pap += v[j] * acc[j];
    pap = warp_sum(ops, pap);
    const float alpha = rr / pap;
    float r[N];
    float next = 0.0f;
    FEEDRANK_UNROLL
    for (int j = 0; j < N; ++j) {
      const int f = lane + 32 * j;
      r[j] = 0.0f;
      if (f < p.factors) {
        p.x[base + f] = ops.load_f32(p.x + base + f) + alpha * v[j];
        r[j] = ops.load_f32(p.r + base + f) - alpha * acc[j];
      }
      next += r[j] * r[j];
    }
    next = warp_sum(ops, next);
    const float beta = next / rr;
    FEEDRANK_UNROLL
    for (int j = 0; j < N; ++j) {
      const int f = lane + 32 * j;
      if (f < p.factors) {
        p.r[base + f] = r[j];
        p.p[base + f] = r[j] + beta * v[j];
      }
    }
    if (lane == 0) p.residual[u] = next;
  }
}

// v = row u of x (kInitial) or p; acc = row u of r (kInitial) or ap, or zeros.
template <int N, bool kInitial, class Ops>
FEEDRANK_HD void load_row(const Ops& ops, const AlsRowsParams& p, std::size_t u, bool with_acc,
                          float (&v)[N], float (&acc)[N]) {
  const int lane = ops.lane();
  const std::size_t base = u * static_cast<std::size_t>(p.factors);
  const float* vs = kInitial ? p.x : p.p;
  const float* accs = kInitial ? p.r : p.ap;
  FEEDRANK_UNROLL
  for (int j = 0; j < N; ++j) {
    const int f = lane + 32 * j;
    const bool in = f < p.factors;
    v[j] = in ? ops.load_f32(vs + base + f) : 0.0f;
    acc[j] = in && with_acc ? ops.load_f32(accs + base + f) : 0.0f;
  }
}

}  // namespace als_detail

// Block `block` of the rows launch over p (als_rows_blocks of them, kAlsWarps warps each; N =
// als_slots(p.factors)): a heavy row's segment into p.partials, or light rows. smem:
// kAlsSmemWords<N> words.
template <int N, bool kInitial, class Ops>
FEEDRANK_HD void als_rows_block(const Ops& ops, const AlsRowsParams& p, std::uint32_t* smem,
                                std::size_t block) {
  using namespace als_detail;
  const int warp = ops.warp(), warps = ops.warps(), lane = ops.lane();
  const bool segment = block < p.segment_count;
  std::size_t u;
  std::uint64_t begin, end;
  bool with_acc = true;
  if (segment) {
    const AlsSegment& s = p.segments[block];
    u = ops.load_u32(&s.row);
    begin = ops.load_u64(&s.begin);
    end = ops.load_u64(&s.end);
    with_acc = warp == 0 && ops.load_u32(&s.first) != 0;
  } else {
    u = (block - p.segment_count) * static_cast<std::size_t>(warps) +
        static_cast<std::size_t>(warp);
    if (u >= p.rows) return;
    begin = ops.load_u64(p.offsets + p.first + u);
    end = ops.load_u64(p.offsets + p.first + u + 1);
    if (end - begin > kAlsHeavyRowEntries) return;  // its segments' blocks take it
  }
  float rr = 0.0f;
  if constexpr (!kInitial) {
    rr = ops.load_f32(p.residual + u);
    // The CPU twin's test (a float against a double). Uniform over the warp, and over a segment's
    // block (every warp reads the same row's).
    if (static_cast<double>(rr) < kAlsGpuResidualFloor) return;
  }
  float v[N], acc[N];
  load_row<N, kInitial>(ops, p, u, with_acc, v, acc);
  if (!segment) {
    accumulate_entries<N, kInitial>(ops, p, begin, end, 0, 1, v, acc);
    finish_row<N, kInitial>(ops, p, u, v, acc, rr);
    return;
  }
  accumulate_entries<N, kInitial>(ops, p, begin, end, warp, warps, v, acc);
  if (warp > 0) {
    FEEDRANK_UNROLL
    for (int j = 0; j < N; ++j) smem[(warp * N + j) * 32 + lane] = bits_from_float(acc[j]);
  }
  ops.syncthreads();
  if (warp != 0) return;
  FEEDRANK_NO_UNROLL
  for (int w = 1; w < warps; ++w) {
    FEEDRANK_UNROLL
    for (int j = 0; j < N; ++j) acc[j] += float_from_bits(smem[(w * N + j) * 32 + lane]);
  }
  float* out = p.partials + block * static_cast<std::size_t>(p.factors);
  FEEDRANK_UNROLL
  for (int j = 0; j < N; ++j) {
    const int f = lane + 32 * j;
    if (f < p.factors) out[f] = acc[j];
  }
}

// Block `block` of the heavy rows launch over p (als_heavy_rows_blocks of them, kAlsWarps warps
// each), after the rows launch: each warp sums one heavy row's partials in segment order and
// finishes the row.
template <int N, bool kInitial, class Ops>
FEEDRANK_HD void als_heavy_rows_block(const Ops& ops, const AlsRowsParams& p, std::size_t block) {
  using namespace als_detail;
  const std::size_t h =
      block * static_cast<std::size_t>(ops.warps()) + static_cast<std::size_t>(ops.warp());
  if (h >= p.heavy_count) return;
  const AlsHeavyRow& heavy = p.heavy[h];
  const std::size_t u = ops.load_u32(&heavy.row);
  float rr = 0.0f;
  if constexpr (!kInitial) {
    rr = ops.load_f32(p.residual + u);
    if (static_cast<double>(rr) < kAlsGpuResidualFloor) return;
  }
  float v[N], acc[N];
  load_row<N, kInitial>(ops, p, u, /*with_acc=*/false, v, acc);
  const int lane = ops.lane();
  const std::uint32_t end = ops.load_u32(&heavy.segments_end);
  FEEDRANK_NO_UNROLL
  for (std::uint32_t s = ops.load_u32(&heavy.segments_begin); s < end; ++s) {
    const float* partial = p.partials + s * static_cast<std::size_t>(p.factors);
    FEEDRANK_UNROLL
    for (int j = 0; j < N; ++j) {
      const int f = lane + 32 * j;
      if (f < p.factors) acc[j] += ops.load_f32(partial + f);
    }
  }
  finish_row<N, kInitial>(ops, p, u, v, acc, rr);
}

}  // namespace feedrank::kernels::gpu
