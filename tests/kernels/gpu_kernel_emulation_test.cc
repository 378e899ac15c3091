// The GPU kernels' logic on the CPU: the real kernel bodies and launch sequence (pipeline.h)
// run on the SIMT emulator and are compared with reference_topk. Needs no GPU; catches
// indexing, tie-order, merge and bookkeeping mistakes before the code meets hardware.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "tests/kernels/emulated_search.h"
#include "tests/kernels/gpu_test_support.h"
#include "tests/kernels/reference_topk.h"

namespace feedrank::kernels::gpu {
namespace {

using testing::Corpus;
using testing::random_corpus;
using testing::random_excludes;
using testing::random_queries;
using testing::reference_topk;

using testing::fp16_tolerance;
using testing::fp32_tolerance;

template <int Q, int G>
void check_reduce_scatter() {
  emu::run_grid(1, 1, 1, 0, [](const emu::EmuOps& ops, std::uint32_t*, int, int) {
    const int lane = ops.lane(), lig = lane % G;
    float v[Q];
    for (int q = 0; q < Q; ++q) v[q] = static_cast<float>(lane * 100 + q);
    const float got = reduce_scatter<Q, G>(ops, v, lig);
    const int query = lig / (G / Q);
    float want = 0.0f;
    for (int l = lane - lig; l < lane - lig + G; ++l) want += static_cast<float>(l * 100 + query);
    if (got != want) ADD_FAILURE() << "Q=" << Q << " G=" << G << " lane " << lane;
  });
}

TEST(GpuKernelEmulation, ReduceScatterGivesEachLaneItsQuerysDotProduct) {
  check_reduce_scatter<1, 8>();
  check_reduce_scatter<2, 8>();
  check_reduce_scatter<4, 16>();
  check_reduce_scatter<8, 32>();
  check_reduce_scatter<1, 32>();
}

// One warp offers random entries (many tied scores) in random batches; its list must equal the
// sorted best k, ties by smaller id.
TEST(GpuKernelEmulation, WarpTopKKeepsTheBestKWithTiesBySmallerId) {
  std::mt19937_64 rng(7);
  for (int k : {1, 5, 32, 33, 100, 1000}) {
    const int K = list_capacity(k);
    const int n = 3000;
    std::vector<std::uint64_t> ids(n);
    for (auto& id : ids) id = rng() % 100000;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::shuffle(ids.begin(), ids.end(), rng);
    const int rows = static_cast<int>(ids.size());
    std::vector<float> scores(rows);
    for (auto& s : scores) s = static_cast<float>(rng() % 50) * 0.25f;  // many ties
    std::vector<float> got_s;
    std::vector<std::uint32_t> got_r;
    emu::run_grid(1, 1, 1, topk_smem_bytes(1, K), [&](const emu::EmuOps& ops, std::uint32_t* smem,
                                                       int, int) {
      const TopKConfig cfg{K, k, negative_infinity(), kNoRow, ids.data()};
      const TopKSlot slot = topk_slot(smem, 0, K, 1);
      float threshold = topk_init(ops, cfg, slot);
      for (int base = 0; base < rows; base += 32) {
        const int r = base + ops.lane();
        const bool has = r < rows;
        const float s = has ? scores[r] : 0.0f;
        threshold = topk_offer(ops, cfg, slot, has && s >= threshold, s,
                               static_cast<std::uint32_t>(r));
      }
      topk_flush(ops, cfg, slot);
      if (ops.lane() == 0) {
        const int valid = std::min(slot.state->valid, k);
        got_s.assign(slot.list_scores, slot.list_scores + valid);
        got_r.assign(slot.list_rows, slot.list_rows + valid);
      }
    });
    std::vector<int> order(rows);
    for (int i = 0; i < rows; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](int a, int b) {
      return scores[a] != scores[b] ? scores[a] > scores[b] : ids[a] < ids[b];
    });
    ASSERT_EQ(got_r.size(), static_cast<std::size_t>(std::min(k, rows))) << "k=" << k;
    for (std::size_t i = 0; i < got_r.size(); ++i) {
      ASSERT_EQ(got_r[i], static_cast<std::uint32_t>(order[i])) << "k=" << k << " i=" << i;
    }
  }
}

struct Case {
  std::size_t rows;
  int d;
  int batch;
  int k;
  bool fp16;
  bool force_gemm;
  bool excludes;
};

std::string name(const Case& c) {
  return std::to_string(c.rows) + "x" + std::to_string(c.d) + (c.fp16 ? " fp16" : " fp32") +
         " batch " + std::to_string(c.batch) + " k " + std::to_string(c.k) +
         (c.force_gemm ? " gemm" : " auto") + (c.excludes ? " excludes" : "");
}

void run_case(const Case& c, emu::Settings settings, std::uint64_t seed) {
  SCOPED_TRACE(name(c));
  const Corpus corpus = random_corpus(c.rows, c.d, seed);
  const std::vector<float> queries = random_queries(c.batch, c.d, seed + 1);
  std::vector<std::vector<VectorId>> exclude;
  if (c.excludes) exclude = random_excludes(corpus, c.rows, c.batch, 20, seed + 2);
  SearchRequest request;
  request.queries = queries;
  request.k = c.k;
  request.exclude = exclude;
  settings.force_gemm = c.force_gemm;
  const emu::Matrix m = emu::upload(corpus.rows(), c.fp16);
  const SearchResults got = emu::search(m, request, settings);
  if (c.fp16) {
    const Corpus rounded = testing::fp16_rounded(corpus);
    const SearchResults want = reference_topk(rounded.rows(), request);
    EXPECT_TRUE(testing::close_topk(got, want, corpus.rows(), request, fp16_tolerance(c.d), 0.99))
        << emu::last_path;
  } else {
    const SearchResults want = reference_topk(corpus.rows(), request);
    EXPECT_TRUE(testing::same_topk(got, want, corpus.rows(), request, fp32_tolerance(c.d)))
        << emu::last_path;
  }
}

TEST(GpuKernelEmulation, FusedScanMatchesReference) {
  emu::Settings s;
  s.merge_entries = 64;  // several merge passes
  std::uint64_t seed = 100;
  for (bool fp16 : {false, true}) {
    for (int d : {128, 37, 8}) {
      for (int batch : {1, 2, 3, 7}) {
        for (int k : {1, 10, 100}) {
          if (list_capacity(k) * pow2_at_least(batch) > 1024) continue;
          run_case({700, d, batch, k, fp16, false, batch != 2}, s, seed++);
        }
      }
    }
  }
}

// Each query's first row (the out-of-network source scans only the newest rows; a batch holds
// several callers' queries, each with its own): rows below it never appear, on both paths, as with
// the CPU backends. The GPU ignored it and returned the best of every row, a different feed.
TEST(GpuKernelEmulation, EachQueryKeepsToItsOwnFirstRowOnBothPaths) {
  const Corpus corpus = random_corpus(900, 32, 7);
  const std::vector<float> queries = random_queries(3, 32, 8);
  for (const std::vector<std::size_t>& first_rows :
       {std::vector<std::size_t>{1, 450, 893}, std::vector<std::size_t>{450, 450, 450},
        std::vector<std::size_t>{0, 0, 2000}}) {
    for (const bool gemm : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "first rows " << first_rows[0] << ", "
                                        << first_rows[1] << ", " << first_rows[2]
                                        << (gemm ? ", gemm" : ", fused"));
      SearchRequest request;
      request.queries = queries;
      request.k = 20;
      request.first_rows = first_rows;
      emu::Settings settings;
      settings.force_gemm = gemm;
      const SearchResults got = emu::search(emu::upload(corpus.rows(), false), request, settings);
      const SearchResults want = reference_topk(corpus.rows(), request);
      EXPECT_TRUE(testing::same_topk(got, want, corpus.rows(), request, fp32_tolerance(32)))
          << emu::last_path;
    }
  }
}

TEST(GpuKernelEmulation, FusedScanWithFourWarpsAndLargeK) {
  emu::Settings s;
  s.warps = 4;
  run_case({2500, 128, 1, 1000, false, false, true}, s, 11);
  run_case({2500, 64, 1, 1000, true, false, false}, s, 12);
  run_case({300, 16, 1, 1000, false, false, true}, s, 13);  // fewer live rows than k
}

TEST(GpuKernelEmulation, GemmPathMatchesReferenceAcrossManyTiles) {
  emu::Settings s;
  s.score_tile_bytes = 4096;  // a tile of 128 to 1024 columns: many tiles and compactions
  s.merge_entries = 64;       // and several passes to merge the pools at the end
  std::uint64_t seed = 200;
  for (bool fp16 : {false, true}) {
    for (int batch : {1, 3, 9, 40}) {
      for (int k : {1, 10, 300}) {
        run_case({1500, 37, batch, k, fp16, true, batch != 3}, s, seed++);
      }
    }
  }
}

TEST(GpuKernelEmulation, GemmPathWithKOf1000AndSeveralChunksPerTile) {
  emu::Settings s;
  s.score_tile_bytes = 64 << 10;  // one query: 16384 columns, two chunks of a tile
  s.sm_count = 1;
  run_case({5000, 16, 1, 1000, false, true, true}, s, 21);
  s.score_tile_bytes = 16 << 10;
  run_case({2100, 16, 2, 1000, true, true, false}, s, 22);
  s.score_tile_bytes = 8 << 10;  // six tiles of 2048 columns: floors rise between tiles
  run_case({12000, 8, 1, 1000, false, true, true}, s, 23);
  s.score_tile_bytes = 2048;  // 59 tiles of 512 columns: the pool (10 slots) compacts 6 times
  run_case({30000, 8, 1, 100, false, true, true}, s, 24);
  run_case({30000, 8, 3, 10, true, true, false}, s, 25);
}

TEST(GpuKernelEmulation, PlanUsesSeveralChunksAndSlots) {
  const BatchPlan p = plan_batch(1 << 20, 1, 10, 32 << 20, 132);
  EXPECT_GT(p.chunks, 1);
  EXPECT_GE(p.compact_every, 1);
  EXPECT_LE(1 + p.compact_every * p.chunks, p.slots);
  EXPECT_EQ(p.tile_cols % 128, 0u);
  EXPECT_EQ(p.chunk_len % 128, 0);
  EXPECT_GE(static_cast<std::size_t>(p.chunk_len) * p.chunks, p.tile_cols);
  const BatchPlan big = plan_batch(10'000'000, 1024, 1000, 32 << 20, 132);
  EXPECT_EQ(big.tile_cols, 8192u);
  EXPECT_EQ(big.chunks, 1);
  EXPECT_EQ(big.shape.warps, 4);
  const auto merges = plan_merges(400, 1000);  // 16 lists of 1000 per block
  ASSERT_EQ(merges.size(), 3u);
  EXPECT_EQ(merges[0].groups, 25);
  EXPECT_EQ(merges[1].groups, 2);
  EXPECT_EQ(merges[2].groups, 1);
  EXPECT_EQ(plan_merges(396, 10).size(), 1u);
}

// The pool invariant at its boundary: compact exactly when the lists the next selects may add
// would not fit; a select that finds the pool full raises the error flag instead of writing.
TEST(GpuKernelEmulation, CompactionRunsExactlyWhenThePoolMightOverflow) {
  const int k = 4, slots = 10;
  const SelectShape shape = single_query_shape(k);
  std::vector<std::uint64_t> ids(64);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = 1000 - i;
  std::vector<float> scores(slots * k);
  std::vector<std::uint32_t> rows(slots * k);
  std::vector<int> counts(slots, k);
  for (int i = 0; i < slots * k; ++i) {
    scores[i] = static_cast<float>((i * 7) % 23);
    rows[i] = static_cast<std::uint32_t>(i);
  }
  for (int used : {1, 2}) {
    int used_slots = used;
    unsigned floor_key = 0;
    CompactParams p;
    p.pool = {scores.data(), rows.data(), counts.data(), slots, k};
    p.used_slots = &used_slots;
    p.chunks_next = 9;  // 1 + 9 fits in 10 slots, 2 + 9 does not
    p.ids = ids.data();
    p.shape = shape;
    p.floor_keys = &floor_key;
    emu::run_grid(1, 1, shape.warps, shape_smem_bytes(shape, 1),
                  [&](const emu::EmuOps& ops, std::uint32_t* smem, int, int) {
                    compact_block(ops, p, smem, 0);
                  });
    if (used == 1) {
      EXPECT_EQ(used_slots, 1);
      EXPECT_EQ(floor_key, 0u);
    } else {
      EXPECT_EQ(used_slots, 1);
      EXPECT_EQ(counts[0], k);
      EXPECT_EQ(scores[0], 21.0f);  // the best of slots 0 and 1: (i * 7) % 23, i < 8
      EXPECT_EQ(score_from_key(floor_key), scores[k - 1]);
    }
  }

  std::vector<float> tile(512, 1.0f);
  std::vector<std::uint64_t> tombstones(8, 0);
  int used_slots = slots, error = 0;
  unsigned floor_key = 0;
  SelectTileParams sp;
  sp.scores = tile.data();
  sp.ld = tile.size();
  sp.cols = 64;
  sp.chunk_len = 512;
  sp.filter.ids = ids.data();
  sp.filter.tombstones = tombstones.data();
  sp.shape = shape;
  sp.floor_keys = &floor_key;
  sp.pool = {scores.data(), rows.data(), counts.data(), slots, k};
  sp.used_slots = &used_slots;
  sp.error_flag = &error;
  emu::run_grid(1, 1, shape.warps, shape_smem_bytes(shape, 1),
                [&](const emu::EmuOps& ops, std::uint32_t* smem, int x, int y) {
                  select_tile_block(ops, sp, smem, x, y);
                });
  EXPECT_EQ(error, 1);
}

// Every score equal (a zero query): the order is decided by ids alone, on every path.
TEST(GpuKernelEmulation, AllTiedScoresAreOrderedById) {
  const Corpus corpus = random_corpus(900, 32, 31);
  std::vector<float> queries(2 * 32, 0.0f);
  SearchRequest request;
  request.queries = queries;
  request.k = 50;
  const SearchResults want = reference_topk(corpus.rows(), request);
  for (bool gemm : {false, true}) {
    emu::Settings s;
    s.force_gemm = gemm;
    s.score_tile_bytes = 2048;
    const SearchResults got = emu::search(emu::upload(corpus.rows(), false), request, s);
    EXPECT_EQ(got, want) << (gemm ? "gemm" : "fused");
  }
}

TEST(GpuKernelEmulation, EverythingTombstonedGivesEmptyLists) {
  Corpus corpus = random_corpus(200, 8, 41, 0.0);
  for (std::size_t r = 0; r < corpus.size(); ++r) corpus.tombstone(r);
  const std::vector<float> queries = random_queries(3, 8, 42);
  SearchRequest request;
  request.queries = queries;
  request.k = 10;
  for (bool gemm : {false, true}) {
    emu::Settings s;
    s.force_gemm = gemm;
    const SearchResults got = emu::search(emu::upload(corpus.rows(), false), request, s);
    ASSERT_EQ(got.size(), 3u);
    for (const auto& list : got) EXPECT_TRUE(list.empty());
  }
}

}  // namespace
}  // namespace feedrank::kernels::gpu
