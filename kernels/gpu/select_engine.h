// The warp-level top-k selection every GPU kernel uses. Written once for the GPU and for the
// CPU emulation test: `Ops` supplies lane and warp ids, ballots, shuffles, barriers and loads
// (GpuOps in gpu_ops.cuh; EmuOps in tests/kernels/simt_emulator.h).
//
// In the spirit of FAISS's WarpSelect: each warp keeps, per query, a sorted list of its best
// entries and an unsorted candidate buffer in shared memory, and the k-th best entry so far
// (the threshold) in registers. A lane whose score beats the threshold appends it to the
// buffer (ballot + popc, no atomics); when the buffer would overflow, the warp sorts it with a
// bitonic network and merges it into the list, which raises the threshold. The hot loop needs
// no block barrier and keeps only the threshold score in a register; the rare slow path
// (topk_offer, topk_flush) appears once per kernel. At the end a block folds its warps' lists
// into one (block_fold).
//
// Order: score descending, then id ascending (search_checks.h ranks_before); kNoRow pads.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/gpu/kernel_params.h"

// Everything is inlined: out-of-line device calls make ptxas spill registers around the whole
// hot loop. Kernels keep one copy of the slow path by calling it from runtime (not unrolled)
// loops, FEEDRANK_NO_UNROLL.
#if defined(__CUDACC__)
#define FEEDRANK_HD __device__ __forceinline__
#define FEEDRANK_UNROLL _Pragma("unroll")
#define FEEDRANK_NO_UNROLL _Pragma("unroll 1")
#else
#define FEEDRANK_HD inline
#define FEEDRANK_UNROLL
#define FEEDRANK_NO_UNROLL
#endif

namespace feedrank::kernels::gpu {

// 16 bytes of a row or score tile, loaded at once.
struct Chunk16 {
  std::uint32_t w[4];
};

FEEDRANK_HD int popcount32(unsigned x) {
#if defined(__CUDA_ARCH__)
  return __popc(x);
#else
  return __builtin_popcount(x);
#endif
}

FEEDRANK_HD float float_from_bits(std::uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#endif
}

FEEDRANK_HD std::uint32_t bits_from_float(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
#endif
}

FEEDRANK_HD float negative_infinity() { return float_from_bits(0xFF800000u); }

// Monotone map of floats to unsigned keys, so atomicMax can raise a score floor. Key 0 is
// below every float's key and means "no floor".
FEEDRANK_HD unsigned orderable_key(float f) {
  const std::uint32_t u = bits_from_float(f);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

FEEDRANK_HD float score_from_key(unsigned key) {
  if (key == 0) return negative_infinity();
  return float_from_bits((key & 0x80000000u) ? (key & 0x7FFFFFFFu) : ~key);
}

// a[i] for a runtime i without indexing a register array (which would move it to local memory).
template <int N>
FEEDRANK_HD float pick(const float (&a)[N], int i) {
  float v = a[0];
  FEEDRANK_UNROLL
  for (int j = 1; j < N; ++j) v = i == j ? a[j] : v;
  return v;
}

FEEDRANK_HD int pow2_at_least(int n) {
  int p = 1;
  while (p < n) p <<= 1;
  return p;
}

// Whether entry a ranks before entry b: higher score, then smaller id; kNoRow ranks last.
// Reads ids only on exact score ties.
template <class Ops>
FEEDRANK_HD bool ranks_before(const Ops& ops, const std::uint64_t* ids, float sa,
                              std::uint32_t ra, float sb, std::uint32_t rb) {
  if (sa != sb) return sa > sb;
  if (ra == rb || ra == kNoRow) return false;
  if (rb == kNoRow) return true;
  return ops.load_u64(ids + ra) < ops.load_u64(ids + rb);
}

// Whether row may appear in the results of `query` (the query's index in its batch).
template <class Ops>
FEEDRANK_HD bool row_allowed(const Ops& ops, const RowFilter& f, int query, std::uint32_t row) {
  if (f.first_rows != nullptr && row < ops.load_u32(f.first_rows + query)) return false;
  if ((ops.load_u64(f.tombstones + (row >> 6)) >> (row & 63u)) & 1u) return false;
  if (f.exclude_offsets == nullptr) return true;
  std::uint32_t lo = ops.load_u32(f.exclude_offsets + query);
  const std::uint32_t end = ops.load_u32(f.exclude_offsets + query + 1);
  if (lo == end) return true;
  const std::uint64_t id = ops.load_u64(f.ids + row);
  std::uint32_t hi = end;
  while (lo < hi) {  // first excluded id >= id
    const std::uint32_t mid = lo + (hi - lo) / 2;
    if (ops.load_u64(f.exclude_ids + mid) < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return !(lo < end && ops.load_u64(f.exclude_ids + lo) == id);
}

// What every warp of a kernel shares: sizes, the floor entries must beat, the ids for ties.
struct TopKConfig {
  int K = 0;  // list and buffer capacity, power of two >= 32
  int k = 0;  // results wanted, <= K
  float floor_score = 0.0f;
  std::uint32_t floor_row = kNoRow;
  const std::uint64_t* ids = nullptr;
};

// The per-(warp, query) selection state, kept in shared memory (the same for every lane) so
// that the hot loop holds only the threshold score in a register.
struct TopKState {
  int valid;  // entries in the list, best first
  int count;  // entries in the buffer
  float threshold_score;
  std::uint32_t threshold_row;
};

// One (warp, query) slot in shared memory.
struct TopKSlot {
  float* list_scores;
  std::uint32_t* list_rows;
  float* buffer_scores;
  std::uint32_t* buffer_rows;
  TopKState* state;
};

// Shared-memory layout of `slots` slots: their arrays (4 x K words each), then their states.
FEEDRANK_HD TopKSlot topk_slot(std::uint32_t* smem, int index, int K, int slots) {
  std::uint32_t* base = smem + static_cast<std::size_t>(index) * 4 * K;
  auto* states = reinterpret_cast<TopKState*>(smem + static_cast<std::size_t>(slots) * 4 * K);
  return {reinterpret_cast<float*>(base), base + K, reinterpret_cast<float*>(base + 2 * K),
          base + 3 * K, states + index};
}

inline std::size_t topk_smem_bytes(int slots, int K) {
  return static_cast<std::size_t>(slots) * (16u * static_cast<std::size_t>(K) + sizeof(TopKState));
}

// Puts the better entry of (i, j) at i when best_first, else at j.
template <class Ops>
FEEDRANK_HD void compare_exchange(const Ops& ops, const std::uint64_t* ids, float* s,
                                  std::uint32_t* r, int i, int j, bool best_first) {
  const float si = s[i], sj = s[j];
  const std::uint32_t ri = r[i], rj = r[j];
  const bool swap = best_first ? ranks_before(ops, ids, sj, rj, si, ri)
                               : ranks_before(ops, ids, si, ri, sj, rj);
  if (swap) {
    s[i] = sj;
    s[j] = si;
    r[i] = rj;
    r[j] = ri;
  }
}

// Sorts n entries (a power of two) best first; the warp's 32 lanes share the pairs.
template <class Ops>
FEEDRANK_HD void warp_bitonic_sort(const Ops& ops, const std::uint64_t* ids, float* s,
                                   std::uint32_t* r, int n) {
  for (int size = 2; size <= n; size <<= 1) {
    for (int stride = size >> 1; stride > 0; stride >>= 1) {
      for (int t = ops.lane(); t < n / 2; t += 32) {
        const int i = 2 * stride * (t / stride) + (t % stride);
        compare_exchange(ops, ids, s, r, i, i + stride, (i & size) == 0);
      }
      ops.syncwarp();
    }
  }
}

// Sorts a bitonic sequence of n entries (a power of two) best first.
template <class Ops>
FEEDRANK_HD void warp_bitonic_merge(const Ops& ops, const std::uint64_t* ids, float* s,
                                    std::uint32_t* r, int n) {
  for (int stride = n >> 1; stride > 0; stride >>= 1) {
    for (int t = ops.lane(); t < n / 2; t += 32) {
      const int i = 2 * stride * (t / stride) + (t % stride);
      compare_exchange(ops, ids, s, r, i, i + stride, true);
    }
    ops.syncwarp();
  }
}

// list[0, valid) and other[0, count) are sorted best first; afterwards list holds the best
// min(K, valid + count) of both, sorted. Both arrays have room for K entries; other's tail is
// overwritten. Returns the new valid count. Ends with the warp synchronised.
template <class Ops>
FEEDRANK_HD int warp_merge_sorted(const Ops& ops, const std::uint64_t* ids, float* ls,
                                         std::uint32_t* lr, int valid, float* os,
                                         std::uint32_t* orows, int count, int K) {
  const int lane = ops.lane();
  if (count == 0) return valid;
  if (valid == 0) {
    for (int i = lane; i < count; i += 32) {
      ls[i] = os[i];
      lr[i] = orows[i];
    }
    ops.syncwarp();
    return count;
  }
  const int total = valid + count;
  const int p = total < K ? pow2_at_least(total) : K;
  // Both sequences padded to p: pairing list[i] with other[p - 1 - i] and keeping the better
  // leaves the best p entries of both as one bitonic sequence (Batcher's half-cleaner).
  for (int i = valid + lane; i < p; i += 32) {
    ls[i] = negative_infinity();
    lr[i] = kNoRow;
  }
  for (int i = count + lane; i < p; i += 32) {
    os[i] = negative_infinity();
    orows[i] = kNoRow;
  }
  ops.syncwarp();
  for (int i = lane; i < p; i += 32) {
    const int j = p - 1 - i;
    if (ranks_before(ops, ids, os[j], orows[j], ls[i], lr[i])) {
      ls[i] = os[j];
      lr[i] = orows[j];
    }
  }
  ops.syncwarp();
  warp_bitonic_merge(ops, ids, ls, lr, p);
  return total < K ? total : K;
}

// Every lane reads the state; call from converged, warp-uniform code.
template <class Ops>
FEEDRANK_HD TopKState topk_load(const Ops& ops, const TopKSlot& slot) {
  (void)ops;
  return *slot.state;
}

// Stores a warp-uniform state once every lane has read the old one.
template <class Ops>
FEEDRANK_HD void topk_store(const Ops& ops, const TopKSlot& slot, const TopKState& st) {
  ops.syncwarp();
  if (ops.lane() == 0) *slot.state = st;
  ops.syncwarp();
}

// Warp-wide: an empty list whose threshold is the floor. Returns the threshold score.
template <class Ops>
FEEDRANK_HD float topk_init(const Ops& ops, const TopKConfig& c, const TopKSlot& slot) {
  topk_store(ops, slot, TopKState{0, 0, c.floor_score, c.floor_row});
  return c.floor_score;
}

// Sorts the buffer into the list and raises the threshold to the list's k-th entry.
template <class Ops>
FEEDRANK_HD TopKState topk_flush_state(const Ops& ops, const TopKConfig& c, const TopKSlot& slot,
                                       TopKState st) {
  if (st.count == 0) return st;
  const int m = pow2_at_least(st.count);
  for (int i = st.count + ops.lane(); i < m; i += 32) {
    slot.buffer_scores[i] = negative_infinity();
    slot.buffer_rows[i] = kNoRow;
  }
  ops.syncwarp();  // the buffer appends of every lane are visible
  warp_bitonic_sort(ops, c.ids, slot.buffer_scores, slot.buffer_rows, m);
  st.valid = warp_merge_sorted(ops, c.ids, slot.list_scores, slot.list_rows, st.valid,
                               slot.buffer_scores, slot.buffer_rows, st.count, c.K);
  st.count = 0;
  if (st.valid >= c.k) {
    const float s = slot.list_scores[c.k - 1];
    const std::uint32_t r = slot.list_rows[c.k - 1];
    if (ranks_before(ops, c.ids, s, r, st.threshold_score, st.threshold_row)) {
      st.threshold_score = s;
      st.threshold_row = r;
    }
  }
  return st;
}

// Warp-wide: flushes the buffer into the list. Returns the threshold score.
template <class Ops>
FEEDRANK_HD float topk_flush(const Ops& ops, const TopKConfig& c, const TopKSlot& slot) {
  const TopKState st = topk_flush_state(ops, c, slot, topk_load(ops, slot));
  topk_store(ops, slot, st);
  return st.threshold_score;
}

// Warp-wide: every lane with take set appends (s, r) to the buffer, flushing first when the
// buffer would overflow. Callers set take only for entries that may appear in the results;
// entries that no longer beat the threshold are dropped. Returns the threshold score.
template <class Ops>
FEEDRANK_HD float topk_offer(const Ops& ops, const TopKConfig& c, const TopKSlot& slot,
                                    bool take, float s, std::uint32_t r) {
  TopKState st = topk_load(ops, slot);
  take = take && ranks_before(ops, c.ids, s, r, st.threshold_score, st.threshold_row);
  unsigned mask = ops.ballot(take);
  if (mask == 0) return st.threshold_score;
  if (st.count + popcount32(mask) > c.K) {
    st = topk_flush_state(ops, c, slot, st);
    take = take && ranks_before(ops, c.ids, s, r, st.threshold_score, st.threshold_row);
    mask = ops.ballot(take);
  }
  if (take) {
    const unsigned below = (1u << ops.lane()) - 1u;
    const int pos = st.count + popcount32(mask & below);
    slot.buffer_scores[pos] = s;
    slot.buffer_rows[pos] = r;
  }
  st.count += popcount32(mask);
  topk_store(ops, slot, st);
  return st.threshold_score;
}

// Block-wide, after every warp flushed: folds the lists of warps [h, 2h) into warps [0, h)
// until warp 0's slots hold the block's best entries for queries [0, queries). Slot of
// (warp, query) is warp * slots_per_warp + query. Ends with a barrier.
template <class Ops>
FEEDRANK_HD void block_fold(const Ops& ops, const TopKConfig& c, std::uint32_t* smem,
                                   int slots_per_warp, int queries) {
  const int warp = ops.warp();
  const int slots = ops.warps() * slots_per_warp;
  ops.syncthreads();
  for (int h = ops.warps() / 2; h >= 1; h /= 2) {
    if (warp < h) {
      for (int q = 0; q < queries; ++q) {
        const TopKSlot dst = topk_slot(smem, warp * slots_per_warp + q, c.K, slots);
        const TopKSlot src = topk_slot(smem, (warp + h) * slots_per_warp + q, c.K, slots);
        TopKState st = topk_load(ops, dst);
        st.valid = warp_merge_sorted(ops, c.ids, dst.list_scores, dst.list_rows, st.valid,
                                     src.list_scores, src.list_rows, src.state->valid, c.K);
        topk_store(ops, dst, st);
      }
    }
    ops.syncthreads();
  }
}

// Warp-wide: writes n entries as list `list` of out (and their ids when out_ids is set).
template <class Ops>
FEEDRANK_HD void write_list(const Ops& ops, const ListSet& out, std::size_t list,
                            const float* ls, const std::uint32_t* lr, int n,
                            const std::uint64_t* ids, std::uint64_t* out_ids) {
  const std::size_t base = list * static_cast<std::size_t>(out.k);
  for (int i = ops.lane(); i < n; i += 32) {
    out.scores[base + i] = ls[i];
    out.rows[base + i] = lr[i];
    if (out_ids != nullptr) out_ids[base + i] = ops.load_u64(ids + lr[i]);
  }
  if (ops.lane() == 0) out.counts[list] = n;
}

}  // namespace feedrank::kernels::gpu
