// The scoring kernel body (kernels/gpu/scoring_body.h) on the CPU SIMT emulator against the CPU
// twin, bit for bit: tile and chunk edges, the 256-column maximum, and grids smaller than the
// rows so that warps loop over several tiles. Part of kernels_gpu_emulation_test.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "kernels/feature_scorer.h"
#include "kernels/gpu/scoring_body.h"
#include "tests/kernels/scoring_test_support.h"
#include "tests/kernels/simt_emulator.h"

namespace feedrank::kernels::gpu {
namespace {

using testing::random_scoring;
using testing::same_bits;
using testing::ScoringInput;

constexpr float kUnwritten = -12345.0f;

// The emulator's Ops, with every global load checked to fall inside the features or weights: a
// read past the matrix would not change any score, but would fault (or read another buffer) on
// the GPU.
struct CheckedOps : emu::EmuOps {
  std::span<const float> features, weights;

  float load_f32(const float* p) const {
    const auto inside = [p](std::span<const float> s) {
      return !s.empty() && p >= s.data() && p < s.data() + s.size();
    };
    if (!inside(features) && !inside(weights)) block->fail("load outside the features and weights");
    return *p;
  }
};

// Runs the kernel over `in` on `blocks` emulated blocks; scores has 40 slots past the last row,
// which must stay unwritten.
std::vector<float> emulate(const ScoringInput& in, int blocks) {
  std::vector<float> scores(in.rows() + 40, kUnwritten);
  ScoringParams p;
  p.features = in.features.data();
  p.weights = in.weights.data();
  p.scores = scores.data();
  p.rows = in.rows();
  p.columns = in.columns;
  emu::run_grid(blocks, 1, kScoringWarps, kScoringSmemWords * sizeof(std::uint32_t),
                [&](const emu::EmuOps& ops, std::uint32_t* smem, int x, int) {
                  score_block(CheckedOps{ops, in.features, in.weights}, p, smem, x, blocks);
                });
  return scores;
}

void expect_like_cpu(std::size_t rows, int columns, int blocks, std::uint64_t seed) {
  SCOPED_TRACE(::testing::Message() << rows << " x " << columns << " on " << blocks << " blocks");
  const ScoringInput in = random_scoring(rows, columns, seed);
  const std::vector<float> got = emulate(in, blocks);
  std::vector<float> want(rows);
  ASSERT_TRUE(make_cpu_feature_scorer()->score(in.batch(), want).ok());
  EXPECT_TRUE(same_bits(std::span(got).first(rows), want));
  for (std::size_t r = rows; r < got.size(); ++r) ASSERT_EQ(got[r], kUnwritten) << "slot " << r;
}

TEST(ScoringKernelEmulation, MatchesTheCpuTwinBitForBit) {
  // (rows, columns): one column; widths below, at and past the 32-column chunk, odd and even
  // (the tile's row stride is width | 1); the maximum; partial last tiles.
  const std::vector<std::pair<std::size_t, int>> shapes = {
      {1, 1},  {5, 1},   {31, 13},  {32, 32}, {33, 32},  {100, 33},  {70, 2},
      {45, 7}, {64, 64}, {40, 256}, {9, 255}, {300, 31}, {1000, 13}, {257, 48}};
  std::uint64_t seed = 1;
  for (const auto& [rows, columns] : shapes) {
    expect_like_cpu(rows, columns, scoring_blocks(rows), seed++);
  }
}

TEST(ScoringKernelEmulation, FewerBlocksThanTilesLoopOverTheRest) {
  expect_like_cpu(1000, 13, 1, 7);  // 32 tiles on 8 warps: 4 each
  expect_like_cpu(777, 40, 2, 8);   // 25 tiles on 16 warps: some warps 2, some 1
  expect_like_cpu(20, 5, 3, 9);     // fewer tiles than warps: most warps idle
}

TEST(ScoringKernelEmulation, HandComputedCasesExactly) {
  for (const auto& c : testing::exact_cases()) {
    const std::vector<float> got = emulate(c.in, 1);
    EXPECT_EQ(std::vector<float>(got.begin(), got.begin() + c.want.size()), c.want) << c.name;
  }
}

TEST(ScoringKernelEmulation, GridCoversTheRowsUpToItsCap) {
  EXPECT_EQ(scoring_blocks(0), 0);
  EXPECT_EQ(scoring_blocks(1), 1);
  EXPECT_EQ(scoring_blocks(256), 1);
  EXPECT_EQ(scoring_blocks(257), 2);
  EXPECT_EQ(scoring_blocks(256 * 1500), 1500);
  EXPECT_EQ(scoring_blocks(std::size_t{1} << 40), static_cast<int>(kScoringMaxBlocks));
}

}  // namespace
}  // namespace feedrank::kernels::gpu
