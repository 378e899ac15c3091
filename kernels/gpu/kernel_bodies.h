// The bodies of the selection kernels, written once for the GPU (kernels.cu wraps each in a
// __global__ function) and for the CPU emulation test. See select_engine.h for the selection
// itself and kernel_params.h for what each kernel reads and writes.
#pragma once

#include <cuda_fp16.h>

#include "kernels/gpu/select_engine.h"

namespace feedrank::kernels::gpu {

// How a 16-byte chunk of a stored row turns into floats.
template <typename T>
struct ChunkTraits;

template <>
struct ChunkTraits<float> {
  static constexpr int kValues = 4;
  static FEEDRANK_HD void to_floats(const Chunk16& c, float* out) {
    FEEDRANK_UNROLL
    for (int e = 0; e < 4; ++e) out[e] = float_from_bits(c.w[e]);
  }
};

template <>
struct ChunkTraits<__half> {
  static constexpr int kValues = 8;
  static FEEDRANK_HD float half_bits(std::uint32_t bits) {
    __half_raw raw;
    raw.x = static_cast<unsigned short>(bits);
    return __half2float(__half(raw));
  }
  static FEEDRANK_HD void to_floats(const Chunk16& c, float* out) {
    FEEDRANK_UNROLL
    for (int e = 0; e < 4; ++e) {
      out[2 * e] = half_bits(c.w[e] & 0xFFFFu);
      out[2 * e + 1] = half_bits(c.w[e] >> 16);
    }
  }
};

// Lanes per row in the fused scan: enough that each lane holds at most a few chunks of every
// query in registers (queries x dimension / lanes floats).
template <int Queries>
struct FusedLanes {
  static constexpr int value = Queries <= 2 ? 8 : (Queries == 4 ? 16 : 32);
};

// Each lane of a G-lane group holds partial dot products for Q queries. Afterwards lane l of
// the group holds the full dot product of query l / (G / Q) (a butterfly reduce-scatter:
// log2(Q) exchange stages that halve the values held, then plain sums), which costs
// Q - 1 + log2(G / Q) shuffles instead of Q * log2(G).
template <int Q, int G, class Ops>
FEEDRANK_HD float reduce_scatter(const Ops& ops, float (&v)[Q], int lane_in_group) {
  FEEDRANK_UNROLL
  for (int stage = 0; (1 << stage) < Q; ++stage) {
    const int half = Q >> (stage + 1);
    const int offset = G >> (stage + 1);
    const bool upper = (lane_in_group & offset) != 0;
    FEEDRANK_UNROLL
    for (int i = 0; i < half; ++i) {
      const float send = upper ? v[i] : v[i + half];
      const float keep = upper ? v[i + half] : v[i];
      v[i] = keep + ops.shfl_xor(send, offset);
    }
  }
  FEEDRANK_UNROLL
  for (int offset = G / Q / 2; offset >= 1; offset >>= 1) v[0] += ops.shfl_xor(v[0], offset);
  return v[0];
}

// Fused scan (see FusedParams). T: stored element type; Q: query slots (1, 2, 4, 8);
// CPL: 16-byte chunks of a row per lane. Each warp step covers 32 / G rows, each lane loading
// CPL chunks of its group's row; 8 / CPL steps are loaded before any is used, so every lane
// has 8 independent 16-byte loads in flight.
template <typename T, int Q, int CPL, class Ops>
FEEDRANK_HD void fused_block(const Ops& ops, const FusedParams& p, std::uint32_t* smem,
                             int block) {
  using Traits = ChunkTraits<T>;
  constexpr int G = FusedLanes<Q>::value;
  constexpr int kValues = Traits::kValues;
  constexpr int kRowsPerStep = 32 / G;
  constexpr int kSteps = 8 / CPL;
  constexpr int kSplit = G / Q;  // lanes that end up holding the same query's score
  static_assert(Q <= G && CPL >= 1 && CPL <= 8, "unsupported fused configuration");

  const int lane = ops.lane(), warp = ops.warp();
  const int lig = lane % G, group = lane / G;
  const int chunks = p.ld * static_cast<int>(sizeof(T)) / 16;
  const int slots = p.shape.warps * Q;
  const TopKConfig cfg{p.shape.K, p.shape.k, negative_infinity(), kNoRow, p.filter.ids};

  // This lane's slice of every query.
  float qv[Q][CPL * kValues];
  FEEDRANK_UNROLL
  for (int q = 0; q < Q; ++q) {
    FEEDRANK_UNROLL
    for (int j = 0; j < CPL; ++j) {
      const int c = lig + j * G;
      FEEDRANK_UNROLL
      for (int e = 0; e < kValues; ++e) {
        qv[q][j * kValues + e] =
            (q < p.queries_count && c < chunks)
                ? p.queries[static_cast<std::size_t>(q) * p.ld + c * kValues + e]
                : 0.0f;
      }
    }
  }

  float threshold[Q];
  FEEDRANK_UNROLL
  for (int q = 0; q < Q; ++q) {
    threshold[q] = topk_init(ops, cfg, topk_slot(smem, warp * Q + q, cfg.K, slots));
  }
  const int my_query = lig / kSplit;
  const bool owner = lig % kSplit == 0 && my_query < p.queries_count;

  const std::size_t first =
      (static_cast<std::size_t>(block) * p.shape.warps + warp) * p.rows_per_warp;
  const std::size_t end = first + p.rows_per_warp < p.rows ? first + p.rows_per_warp : p.rows;
  const auto* matrix = static_cast<const unsigned char*>(p.matrix);
  const std::size_t row_bytes = static_cast<std::size_t>(p.ld) * sizeof(T);

  for (std::size_t row0 = first; row0 < end; row0 += kRowsPerStep * kSteps) {
    Chunk16 x[kSteps][CPL];
    FEEDRANK_UNROLL
    for (int s = 0; s < kSteps; ++s) {
      const std::size_t row = row0 + s * kRowsPerStep + group;
      FEEDRANK_UNROLL
      for (int j = 0; j < CPL; ++j) {
        const int c = lig + j * G;
        if (row < end && c < chunks) {
          x[s][j] = ops.load16(matrix + row * row_bytes + static_cast<std::size_t>(c) * 16);
        } else {
          x[s][j] = Chunk16{{0u, 0u, 0u, 0u}};
        }
      }
    }
    float score[kSteps];
    unsigned wanted = 0;  // bit s: this lane's step-s score beats its query's threshold
    FEEDRANK_UNROLL
    for (int s = 0; s < kSteps; ++s) {
      float acc[Q];
      FEEDRANK_UNROLL
      for (int q = 0; q < Q; ++q) acc[q] = 0.0f;
      FEEDRANK_UNROLL
      for (int j = 0; j < CPL; ++j) {
        float xf[kValues];
        Traits::to_floats(x[s][j], xf);
        FEEDRANK_UNROLL
        for (int q = 0; q < Q; ++q) {
          FEEDRANK_UNROLL
          for (int e = 0; e < kValues; ++e) acc[q] += xf[e] * qv[q][j * kValues + e];
        }
      }
      score[s] = reduce_scatter<Q, G>(ops, acc, lig);
      float mine = threshold[0];
      FEEDRANK_UNROLL
      for (int q = 1; q < Q; ++q) mine = my_query == q ? threshold[q] : mine;
      const bool in_range = row0 + s * kRowsPerStep + group < end;
      if (owner && in_range && score[s] >= mine) wanted |= 1u << s;
    }
    if (!ops.any(wanted != 0)) continue;
    // Slow path, one copy: runtime loops over steps and queries.
    FEEDRANK_NO_UNROLL
    for (int s = 0; s < kSteps; ++s) {
      if (!ops.any((wanted >> s) & 1u)) continue;
      const auto r = static_cast<std::uint32_t>(row0 + s * kRowsPerStep + group);
      const float value = pick(score, s);
      const bool allowed = ((wanted >> s) & 1u) && row_allowed(ops, p.filter, my_query, r);
      FEEDRANK_NO_UNROLL
      for (int q = 0; q < Q; ++q) {
        topk_offer(ops, cfg, topk_slot(smem, warp * Q + q, cfg.K, slots),
                   allowed && my_query == q, value, r);
      }
    }
    FEEDRANK_UNROLL
    for (int q = 0; q < Q; ++q) {
      threshold[q] = topk_slot(smem, warp * Q + q, cfg.K, slots).state->threshold_score;
    }
  }

  FEEDRANK_NO_UNROLL
  for (int q = 0; q < Q; ++q) topk_flush(ops, cfg, topk_slot(smem, warp * Q + q, cfg.K, slots));
  block_fold(ops, cfg, smem, Q, p.queries_count);
  if (warp != 0) return;
  for (int q = 0; q < p.queries_count; ++q) {
    const TopKSlot best = topk_slot(smem, q, cfg.K, slots);
    const int n = best.state->valid < cfg.k ? best.state->valid : cfg.k;
    write_list(ops, p.out, static_cast<std::size_t>(q) * p.out.lists + block, best.list_scores,
               best.list_rows, n, nullptr, nullptr);
  }
}

// Top-k of one score tile (see SelectTileParams); block (chunk, query).
template <class Ops>
FEEDRANK_HD void select_tile_block(const Ops& ops, const SelectTileParams& p,
                                   std::uint32_t* smem, int chunk, int query) {
  constexpr int kUnroll = 4;  // 16-byte loads in flight per lane
  const int lane = ops.lane(), warp = ops.warp(), warps = p.shape.warps;
  unsigned key = 0;
  if (lane == 0) key = ops.load_relaxed(p.floor_keys + query);
  key = ops.shfl_u32(key, 0);  // one floor for the whole warp
  const TopKConfig cfg{p.shape.K, p.shape.k, score_from_key(key), kNoRow, p.filter.ids};

  const std::size_t cols = static_cast<std::size_t>(p.cols);
  const std::size_t begin = static_cast<std::size_t>(chunk) * p.chunk_len;
  const std::size_t end = begin + p.chunk_len < cols ? begin + p.chunk_len : cols;
  const std::size_t span = end > begin ? end - begin : 0;
  const std::size_t per_warp = (span + warps * 128 - 1) / (warps * 128) * 128;
  const std::size_t w_begin = begin + warp * per_warp < end ? begin + warp * per_warp : end;
  const std::size_t w_end = w_begin + per_warp < end ? w_begin + per_warp : end;
  const float* scores = p.scores + static_cast<std::size_t>(query) * p.ld;

  const TopKSlot slot = topk_slot(smem, warp, cfg.K, warps);
  float threshold = topk_init(ops, cfg, slot);
  for (std::size_t c0 = w_begin; c0 < w_end; c0 += 128 * kUnroll) {
    float v[kUnroll][4];
    FEEDRANK_UNROLL
    for (int u = 0; u < kUnroll; ++u) {
      const std::size_t c = c0 + u * 128 + lane * 4;
      // c is a multiple of 4 below ld (a multiple of 4), so all 16 bytes are allocated.
      const Chunk16 ch = c < w_end ? ops.load16(scores + c) : Chunk16{{0u, 0u, 0u, 0u}};
      FEEDRANK_UNROLL
      for (int e = 0; e < 4; ++e) v[u][e] = float_from_bits(ch.w[e]);
    }
    float flat[kUnroll * 4];
    unsigned wanted = 0;  // bit i: value i of this lane beats the threshold
    FEEDRANK_UNROLL
    for (int u = 0; u < kUnroll; ++u) {
      FEEDRANK_UNROLL
      for (int e = 0; e < 4; ++e) {
        const std::size_t c = c0 + u * 128 + lane * 4 + e;
        flat[u * 4 + e] = v[u][e];
        if (c < w_end && v[u][e] >= threshold) wanted |= 1u << (u * 4 + e);
      }
    }
    if (!ops.any(wanted != 0)) continue;
    // Slow path, one copy.
    FEEDRANK_NO_UNROLL
    for (int i = 0; i < kUnroll * 4; ++i) {
      if (!ops.any((wanted >> i) & 1u)) continue;
      const std::size_t c = c0 + (i / 4) * 128 + lane * 4 + (i % 4);
      const auto r = static_cast<std::uint32_t>(p.row_begin + c);
      const bool take = ((wanted >> i) & 1u) && row_allowed(ops, p.filter, query, r);
      threshold = topk_offer(ops, cfg, slot, take, pick(flat, i), r);
    }
  }
  topk_flush(ops, cfg, slot);
  block_fold(ops, cfg, smem, 1, 1);
  if (warp != 0) return;
  const TopKSlot best = topk_slot(smem, 0, cfg.K, warps);
  const int n = best.state->valid < cfg.k ? best.state->valid : cfg.k;
  if (n == 0) return;
  int slot_index = 0;
  if (lane == 0) slot_index = ops.atomic_add(p.used_slots + query, 1);
  slot_index = static_cast<int>(ops.shfl_u32(static_cast<unsigned>(slot_index), 0));
  if (slot_index >= p.pool.lists) {
    if (lane == 0) ops.atomic_or(p.error_flag, 1);
    return;
  }
  write_list(ops, p.pool, static_cast<std::size_t>(query) * p.pool.lists + slot_index,
             best.list_scores, best.list_rows, n, nullptr, nullptr);
  // k entries at or above this score exist, so nothing below it can make the final top k.
  if (n == cfg.k && lane == 0) {
    ops.atomic_max(p.floor_keys + query, orderable_key(best.list_scores[cfg.k - 1]));
  }
}

// Block-wide: the best entries of lists [first, last) of `query` in `in`; warp w reads lists
// first + w, first + w + warps, ... Leaves them in warp 0's slot and returns their count.
template <class Ops>
FEEDRANK_HD int merge_lists_block(const Ops& ops, const ListSet& in, const std::uint64_t* ids,
                                  const SelectShape& shape, std::uint32_t* smem, int query,
                                  int first, int last) {
  const int lane = ops.lane(), warp = ops.warp();
  const TopKConfig cfg{shape.K, shape.k, negative_infinity(), kNoRow, ids};
  const TopKSlot slot = topk_slot(smem, warp, cfg.K, shape.warps);
  float threshold = topk_init(ops, cfg, slot);
  for (int j = first + warp; j < last; j += shape.warps) {
    const std::size_t list = static_cast<std::size_t>(query) * in.lists + j;
    const int stored = ops.load_i32(in.counts + list);
    const int n = stored < in.k ? stored : in.k;
    const float* s = in.scores + list * in.k;
    const std::uint32_t* r = in.rows + list * in.k;
    for (int i0 = 0; i0 < n; i0 += 32) {
      const int i = i0 + lane;
      const bool has = i < n;
      const float score = has ? ops.load_f32(s + i) : negative_infinity();
      const std::uint32_t row = has ? ops.load_u32(r + i) : kNoRow;
      if (!ops.any(has && score >= threshold)) continue;
      threshold = topk_offer(ops, cfg, slot, has && score >= threshold, score, row);
    }
  }
  topk_flush(ops, cfg, slot);
  block_fold(ops, cfg, smem, 1, 1);
  return topk_slot(smem, 0, cfg.K, shape.warps).state->valid;
}

// Merge pass (see MergeParams); block (group, query).
template <class Ops>
FEEDRANK_HD void merge_block(const Ops& ops, const MergeParams& p, std::uint32_t* smem,
                             int group, int query) {
  int lists = p.in.lists;
  if (p.valid_lists != nullptr) {
    const int valid = ops.load_i32(p.valid_lists + query);
    lists = valid < lists ? valid : lists;
  }
  const int first = group * p.lists_per_group;
  const int last = first + p.lists_per_group < lists ? first + p.lists_per_group : lists;
  const int valid = merge_lists_block(ops, p.in, p.ids, p.shape, smem, query, first, last);
  if (ops.warp() != 0) return;
  const TopKSlot best = topk_slot(smem, 0, p.shape.K, p.shape.warps);
  const int n = valid < p.shape.k ? valid : p.shape.k;
  write_list(ops, p.out, static_cast<std::size_t>(query) * p.out.lists + group, best.list_scores,
             best.list_rows, n, p.ids, p.out_ids);
}

// Pool compaction (see CompactParams); one block per query.
template <class Ops>
FEEDRANK_HD void compact_block(const Ops& ops, const CompactParams& p, std::uint32_t* smem,
                               int query) {
  const int stored = ops.load_i32(p.used_slots + query);
  const int used = stored < p.pool.lists ? stored : p.pool.lists;
  if (used + p.chunks_next <= p.pool.lists) return;  // room until the next compaction
  // Reads every used slot before the barriers in block_fold; writes slot 0 only after them.
  const int valid = merge_lists_block(ops, p.pool, p.ids, p.shape, smem, query, 0, used);
  if (ops.warp() != 0) return;
  const TopKSlot best = topk_slot(smem, 0, p.shape.K, p.shape.warps);
  const int n = valid < p.shape.k ? valid : p.shape.k;
  write_list(ops, p.pool, static_cast<std::size_t>(query) * p.pool.lists, best.list_scores,
             best.list_rows, n, nullptr, nullptr);
  if (ops.lane() == 0) {
    p.used_slots[query] = n > 0 ? 1 : 0;
    if (n == p.shape.k) {
      ops.atomic_max(p.floor_keys + query, orderable_key(best.list_scores[p.shape.k - 1]));
    }
  }
}

}  // namespace feedrank::kernels::gpu
