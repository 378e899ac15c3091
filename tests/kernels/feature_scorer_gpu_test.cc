// The GPU feature scorer against the CPU twin on random matrices (within 1e-5, and bit for bit),
// buffer reuse across batch sizes, concurrent calls, and every bad argument. Every test skips,
// printing the reason, where no GPU is usable (and in builds without CUDA).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "kernels/feature_scorer.h"
#include "tests/kernels/scoring_test_support.h"
#include "tests/kernels/skip_without_gpu.h"

namespace feedrank::kernels {
namespace {

using testing::near_reference;
using testing::random_scoring;
using testing::same_bits;
using testing::ScoringInput;

// Makes the GPU scorer or skips the test with the reason there is none.
#define GPU_SCORER_OR_SKIP(var)                        \
  auto var##_or = make_gpu_feature_scorer();           \
  if (absl::IsFailedPrecondition(var##_or.status())) { \
    FEEDRANK_SKIP_WITHOUT_GPU(var##_or.status().message()); \
  }                                                    \
  ASSERT_TRUE(var##_or.ok()) << var##_or.status();     \
  const std::unique_ptr<FeatureScorer> var = std::move(*var##_or)

// (rows, columns): the 32-row tile and 32-column chunk edges, the 256-column maximum, the
// ranker's 1,500 x 13..32. Small enough for compute-sanitizer (run.sh sanitize).
const std::vector<std::pair<std::size_t, int>> kSmallShapes = {
    {1, 1},    {31, 7},    {32, 32},   {33, 33},   {65, 64},   {77, 255},
    {40, 256}, {1500, 13}, {1501, 32}, {1000, 31}, {9999, 100}};
// 256 viewers x 1,500 candidates x 32 features, stacked in one call.
constexpr std::pair<std::size_t, int> kStacked = {256 * 1500, 32};

// Scores `in` on `scorer`; the CPU twin's scores in `cpu`.
struct Scored {
  std::vector<float> gpu, cpu;
};
Scored score_both(const FeatureScorer& gpu, const ScoringInput& in) {
  Scored s{std::vector<float>(in.rows(), -1.0f), std::vector<float>(in.rows(), -2.0f)};
  if (absl::Status status = gpu.score(in.batch(), s.gpu); !status.ok()) {
    ADD_FAILURE() << in.rows() << " x " << in.columns << ": " << status;
  }
  EXPECT_TRUE(make_cpu_feature_scorer()->score(in.batch(), s.cpu).ok());
  return s;
}

TEST(FeatureScorerGpu, CreationFailsOnlyWithFailedPrecondition) {
  const auto made = make_gpu_feature_scorer();
  if (!made.ok()) {
    EXPECT_TRUE(absl::IsFailedPrecondition(made.status())) << made.status();
    EXPECT_FALSE(made.status().message().empty());
    FEEDRANK_SKIP_WITHOUT_GPU(made.status().message());
  }
  EXPECT_EQ((*made)->describe().substr(0, 9), "gpu-fma (") << (*made)->describe();
}

// Within 1e-5 of the double reference (relative to the terms' scale) and of the CPU twin.
void expect_close(const FeatureScorer& scorer, std::size_t rows, int columns, std::uint64_t seed) {
  const auto in = random_scoring(rows, columns, seed);
  const Scored s = score_both(scorer, in);
  EXPECT_TRUE(near_reference(s.gpu, in));
  for (std::size_t r = 0; r < rows; ++r) {
    ASSERT_NEAR(s.gpu[r], s.cpu[r], 1e-5 * std::max(1.0f, std::abs(s.cpu[r])))
        << "row " << r << " of " << rows << " x " << columns;
  }
}

TEST(FeatureScorerGpu, MatchesCpuOnSmallShapesWithin1e5) {
  GPU_SCORER_OR_SKIP(scorer);
  std::uint64_t seed = 1;
  for (const auto& [rows, columns] : kSmallShapes) expect_close(*scorer, rows, columns, seed++);
}

TEST(FeatureScorerGpu, MatchesCpuOnTheStackedBatchWithin1e5) {
  GPU_SCORER_OR_SKIP(scorer);
  expect_close(*scorer, kStacked.first, kStacked.second, 30);
}

// Both twins run the same fma chain with IEEE single rounding: no bit should differ.
TEST(FeatureScorerGpu, GivesTheCpuBitsExactly) {
  GPU_SCORER_OR_SKIP(scorer);
  std::vector<std::pair<std::size_t, int>> shapes = kSmallShapes;
  shapes.push_back(kStacked);
  std::uint64_t seed = 50;
  for (const auto& [rows, columns] : shapes) {
    const auto in = random_scoring(rows, columns, seed++);
    const Scored s = score_both(*scorer, in);
    EXPECT_TRUE(same_bits(s.gpu, s.cpu)) << rows << " x " << columns;
  }
}

TEST(FeatureScorerGpu, HandComputedCasesExactly) {
  GPU_SCORER_OR_SKIP(scorer);
  for (const auto& c : testing::exact_cases()) {
    std::vector<float> scores(c.want.size(), -1.0f);
    ASSERT_TRUE(scorer->score(c.in.batch(), scores).ok()) << c.name;
    EXPECT_EQ(scores, c.want) << c.name;
  }
}

// The device buffers only grow: a small batch after a large one must not see the large one's
// rows, and a large one after a small one must get new buffers.
TEST(FeatureScorerGpu, ReusesBuffersAcrossGrowingAndShrinkingBatches) {
  GPU_SCORER_OR_SKIP(scorer);
  const std::vector<std::pair<std::size_t, int>> sequence = {
      {1500, 32}, {256 * 1500, 32}, {10, 3}, {256 * 1500, 13}, {3, 256}, {1500, 32}};
  std::uint64_t seed = 200;
  for (const auto& [rows, columns] : sequence) {
    const auto in = random_scoring(rows, columns, seed++);
    const Scored s = score_both(*scorer, in);
    EXPECT_TRUE(same_bits(s.gpu, s.cpu)) << rows << " x " << columns;
    EXPECT_TRUE(near_reference(s.gpu, in));
  }
}

// Several threads at once, each with its own shapes and weights; every result checked.
TEST(FeatureScorerGpu, ConcurrentCallsFromSeveralThreads) {
  GPU_SCORER_OR_SKIP(scorer);
  constexpr int kThreads = 8, kCalls = 12;
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(1000 + t);
      for (int call = 0; call < kCalls && failures[t].empty(); ++call) {
        const std::size_t rows = 1 + rng() % (call % 4 == 0 ? 200000 : 3000);
        const int columns = 1 + static_cast<int>(rng() % 64);
        const auto in = random_scoring(rows, columns, rng());
        std::vector<float> gpu(rows, -1.0f), cpu(rows, -2.0f);
        if (absl::Status s = scorer->score(in.batch(), gpu); !s.ok()) {
          failures[t] = s.ToString();
        } else if (!make_cpu_feature_scorer()->score(in.batch(), cpu).ok()) {
          failures[t] = "cpu failed";
        } else if (auto same = same_bits(gpu, cpu); !same) {
          failures[t] =
              std::to_string(rows) + " x " + std::to_string(columns) + ": " + same.message();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
}

TEST(FeatureScorerGpu, ZeroRowsIsOk) {
  GPU_SCORER_OR_SKIP(scorer);
  const auto in = random_scoring(0, 5, 3);
  EXPECT_TRUE(scorer->score(in.batch(), {}).ok());
}

TEST(FeatureScorerGpu, RejectsEveryBadArgumentNamingTheField) {
  GPU_SCORER_OR_SKIP(scorer);
  testing::expect_rejects_bad_arguments(*scorer);
}

}  // namespace
}  // namespace feedrank::kernels
