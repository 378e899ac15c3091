// The GPU ALS solver (kernels/gpu/als_solver_gpu.cc) against the CPU twin: Y'Y, one solve over
// factor counts, CG step counts and rows with 0, 1, many and thousands of entries, a whole
// training run, rows across several chunks, concurrent calls and every bad argument. These skip,
// printing the reason, where no GPU is usable.
//
// And, on any machine, the GPU kernels' bodies (kernels/gpu/als_body.h) on the CPU SIMT emulator
// (tests/kernels/simt_emulator.h), driven the way als_solver_gpu.cc drives them (chunks,
// segments of heavy rows, a GEMM before each launch) but with tiny chunks: against the CPU twin,
// with every load checked to fall inside a buffer and every buffer's guard words checked after.
//
// Tolerance. Both twins take the same CG steps from the same warm start; only the order of float
// sums differs (OpenBLAS's blocked GEMM and sequential dot products against cuBLAS's GEMM and
// warp-shuffle trees), a relative difference of a few 1e-7 per operation. CG passes such
// differences on scaled by about the condition number of Y'Y + lambda I + sum c y y' (below 100
// for these inputs: at least 4 k fixed rows, lambda 0.1, confidences up to 10), so after k steps
// a row may differ by ~1e-5 of the size of its iterates. We allow 1e-3 of |x_cpu| + |x_start| per
// row (the start counts for rows whose solution is near 0, such as rows without entries).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "kernels/als_solver.h"
#include "kernels/gpu/als_body.h"
#include "kernels/implicit_als.h"
#include "tests/kernels/simt_emulator.h"
#include "tests/kernels/skip_without_gpu.h"

namespace feedrank::kernels {
namespace {

// Makes the GPU solver or skips the test with the reason there is none.
#define GPU_ALS_OR_SKIP(var)                           \
  auto var##_or = make_gpu_als_solver();               \
  if (absl::IsFailedPrecondition(var##_or.status())) { \
    FEEDRANK_SKIP_WITHOUT_GPU(var##_or.status().message()); \
  }                                                    \
  ASSERT_TRUE(var##_or.ok()) << var##_or.status();     \
  const std::unique_ptr<AlsSolver> var = std::move(*var##_or)

constexpr double kTolerance = 1e-3;

// One half-step's input: a confidence matrix, the fixed factors, their gram (the CPU twin's)
// and a warm start.
struct Problem {
  int k = 0;
  std::size_t fixed_rows = 0;
  OwnedConfidenceRows matrix;
  std::vector<float> fixed, gram, start;
  float regularization = 0.1f;

  FactorMatrix fixed_matrix() const { return {fixed, fixed_rows, k}; }
  AlsStep step(int cg_steps) const {
    AlsStep s;
    s.matrix = matrix.view();
    s.fixed = fixed_matrix();
    s.gram = gram;
    s.regularization = regularization;
    s.cg_steps = cg_steps;
    return s;
  }
};

// `rows` rows, row r with count(r) entries on random fixed rows (at least 4 k of them, values in
// [-0.5, 0.5)), confidences in (0, 10], a warm start in [-0.1, 0.1).
Problem make_problem(std::size_t rows, int k,
                     const std::function<std::uint32_t(std::size_t)>& count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> value(-0.5f, 0.5f), start(-0.1f, 0.1f);
  std::uniform_real_distribution<float> confidence(0.0f, 10.0f);
  Problem p;
  p.k = k;
  p.fixed_rows = std::max<std::size_t>(64, 4 * static_cast<std::size_t>(k));
  p.fixed.resize(p.fixed_rows * k);
  for (float& v : p.fixed) v = value(rng);
  p.matrix.rows = rows;
  for (std::size_t r = 0; r < rows; ++r) {
    const std::uint32_t n = count(r);
    for (std::uint32_t e = 0; e < n; ++e) {
      p.matrix.columns.push_back(static_cast<std::uint32_t>(rng() % p.fixed_rows));
      float c = confidence(rng);
      while (!(c > 0.0f)) c = confidence(rng);
      p.matrix.confidences.push_back(c);
    }
    p.matrix.offsets.push_back(p.matrix.columns.size());
  }
  p.start.resize(rows * k);
  for (float& v : p.start) v = start(rng);
  p.gram.resize(static_cast<std::size_t>(k) * k);
  EXPECT_TRUE(make_cpu_als_solver()->gram(p.fixed_matrix(), p.gram).ok());
  return p;
}

// Counts cycling through `pattern`.
std::function<std::uint32_t(std::size_t)> cycling(std::vector<std::uint32_t> pattern) {
  return [pattern = std::move(pattern)](std::size_t r) { return pattern[r % pattern.size()]; };
}

// 0, 1 and a few entries; 40 (a light row's warp, two batches of 32); 257 and 2048 (one heavy
// segment, the fullest); 2049 and 5000 (two and three segments).
const std::vector<std::uint32_t> kCounts = {0, 1, 2, 5, 17, 40, 257, 3, 2048, 0, 2049, 1, 5000};

std::vector<float> solve_with(const AlsSolver& solver, const Problem& p, int cg_steps) {
  std::vector<float> x = p.start;
  const absl::Status status = solver.solve(p.step(cg_steps), x);
  EXPECT_TRUE(status.ok()) << solver.describe() << ": " << status;
  return x;
}

double norm(std::span<const float> v) {
  double sum = 0.0;
  for (float f : v) sum += static_cast<double>(f) * f;
  return std::sqrt(sum);
}

// Row by row: |got - want| <= kTolerance (|want| + |start|). Names the first few rows off.
::testing::AssertionResult rows_near(std::span<const float> got, std::span<const float> want,
                                     std::span<const float> start, int k) {
  if (got.size() != want.size()) return ::testing::AssertionFailure() << "sizes differ";
  const auto uk = static_cast<std::size_t>(k);
  int bad = 0;
  auto failure = ::testing::AssertionFailure();
  for (std::size_t r = 0; r * uk < want.size(); ++r) {
    const auto g = got.subspan(r * uk, uk), w = want.subspan(r * uk, uk);
    double diff = 0.0;
    for (std::size_t i = 0; i < uk; ++i) diff += (static_cast<double>(g[i]) - w[i]) * (g[i] - w[i]);
    diff = std::sqrt(diff);
    const double allowed = kTolerance * (norm(w) + norm(start.subspan(r * uk, uk)));
    if (!(diff <= allowed)) {
      if (++bad <= 5)
        failure << "row " << r << ": |got - want| " << diff << " > " << allowed << "; ";
    }
  }
  if (bad > 0) return failure << bad << " rows off in all";
  return ::testing::AssertionSuccess();
}

// Same bits, as the determinism tests want.
bool same_bits(std::span<const float> a, std::span<const float> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size_bytes()) == 0;
}

// ---------------------------------------------------------------------------------------------
// The GPU twin.

TEST(AlsSolverGpu, CreationFailsOnlyWithFailedPrecondition) {
  const auto made = make_gpu_als_solver();
  if (!made.ok()) {
    EXPECT_TRUE(absl::IsFailedPrecondition(made.status())) << made.status();
    EXPECT_FALSE(made.status().message().empty());
    FEEDRANK_SKIP_WITHOUT_GPU(made.status().message());
  }
  EXPECT_EQ((*made)->describe().substr(0, 5), "gpu (") << (*made)->describe();
}

// Within 1e-4 of sqrt(g_ii g_jj) (the scale Cauchy-Schwarz gives every entry; off-diagonal
// entries may cancel to near 0), and exactly symmetric.
TEST(AlsSolverGpu, GramMatchesCpuWithin1e4) {
  GPU_ALS_OR_SKIP(solver);
  const auto cpu = make_cpu_als_solver();
  const std::vector<std::pair<std::size_t, int>> shapes = {
      {0, 8}, {1, 1}, {5, 7}, {1000, 32}, {3000, 128}, {257, 1024}, {100000, 64}};
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  for (const auto& [rows, k] : shapes) {
    SCOPED_TRACE(::testing::Message() << rows << " x " << k);
    std::vector<float> y(rows * k);
    for (float& v : y) v = value(rng);
    const FactorMatrix fixed{y, rows, k};
    std::vector<float> got(static_cast<std::size_t>(k) * k, -7.0f), want(got.size(), -8.0f);
    ASSERT_TRUE(solver->gram(fixed, got).ok());
    ASSERT_TRUE(cpu->gram(fixed, want).ok());
    for (int i = 0; i < k; ++i) {
      for (int j = 0; j < k; ++j) {
        const float g = got[i * k + j], w = want[i * k + j];
        ASSERT_EQ(g, got[j * k + i]) << "not symmetric at " << i << ", " << j;
        const double scale = std::sqrt(static_cast<double>(want[i * k + i]) * want[j * k + j]);
        ASSERT_LE(std::abs(static_cast<double>(g) - w), 1e-4 * scale + 1e-30)
            << "at " << i << ", " << j << ": gpu " << g << ", cpu " << w;
      }
    }
  }
}

TEST(AlsSolverGpu, SolveMatchesCpu) {
  GPU_ALS_OR_SKIP(solver);
  const auto cpu = make_cpu_als_solver();
  std::uint64_t seed = 10;
  for (int k : {1, 7, 32, 128}) {
    const Problem p = make_problem(3 * kCounts.size(), k, cycling(kCounts), seed++);
    for (int cg_steps : {1, 3, k}) {
      SCOPED_TRACE(::testing::Message() << "k " << k << ", cg_steps " << cg_steps);
      const std::vector<float> got = solve_with(*solver, p, cg_steps);
      const std::vector<float> want = solve_with(*cpu, p, cg_steps);
      EXPECT_TRUE(rows_near(got, want, p.start, k));
      // Deterministic: the same call again gives the same bits.
      EXPECT_TRUE(same_bits(solve_with(*solver, p, cg_steps), got));
    }
  }
}

// A row with no entries and a zero warm start has r = 0: below the residual floor, so no step
// divides 0 by 0; it stays exactly 0 on both twins.
TEST(AlsSolverGpu, RowsAtTheResidualFloorStayPut) {
  GPU_ALS_OR_SKIP(solver);
  for (float lambda : {0.1f, 1e-6f}) {
    Problem p = make_problem(40, 16, cycling({0, 3}), 77);
    p.regularization = lambda;
    for (std::size_t r = 0; r < 40; r += 2) std::fill_n(p.start.begin() + r * 16, 16, 0.0f);
    const std::vector<float> got = solve_with(*solver, p, 5);
    const std::vector<float> want = solve_with(*make_cpu_als_solver(), p, 5);
    for (std::size_t r = 0; r < 40; r += 2) {
      for (int i = 0; i < 16; ++i) ASSERT_EQ(got[r * 16 + i], 0.0f) << "row " << r;
    }
    EXPECT_TRUE(rows_near(got, want, p.start, 16));
  }
}

// 2 x 65536 + 100 rows (three chunks), heavy rows on both sides of each chunk edge.
TEST(AlsSolverGpu, RowsAcrossSeveralChunksMatchCpu) {
  GPU_ALS_OR_SKIP(solver);
  const auto cpu = make_cpu_als_solver();
  constexpr std::size_t kRows = 2 * 65536 + 100;
  const auto count = [](std::size_t r) -> std::uint32_t {
    for (std::size_t edge : {std::size_t{65536}, std::size_t{131072}}) {
      if (r + 1 == edge || r == edge) return 3000;
    }
    if (r == 0 || r + 1 == kRows) return 600;
    return static_cast<std::uint32_t>(r % 4);
  };
  for (int k : {7, 128}) {
    SCOPED_TRACE(::testing::Message() << "k " << k);
    const Problem p = make_problem(kRows, k, count, 300 + k);
    EXPECT_TRUE(rows_near(solve_with(*solver, p, 3), solve_with(*cpu, p, 3), p.start, k));
  }
}

// A small planted problem, trained on both twins from the same seed until the loss settles.
struct Planted {
  OwnedConfidenceRows by_user, by_item;
  AlsProblem problem() const { return {by_user.view(), by_item.view()}; }
};

Planted planted(std::size_t users, std::size_t items, int rank, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> value(0.0f, 1.0f);
  std::vector<float> u(users * rank), v(items * rank);
  for (float& f : u) f = value(rng);
  for (float& f : v) f = value(rng);
  Planted out;
  out.by_user.rows = users;
  for (std::size_t a = 0; a < users; ++a) {
    for (std::size_t b = 0; b < items; ++b) {
      float s = 0.0f;
      for (int f = 0; f < rank; ++f) s += u[a * rank + f] * v[b * rank + f];
      s /= static_cast<float>(rank) * 0.25f;  // about 1 on average
      if (s > 1.2f) {                         // the stronger pairs: a quarter or so
        out.by_user.columns.push_back(static_cast<std::uint32_t>(b));
        out.by_user.confidences.push_back(std::min(10.0f, 2.0f * s));
      }
    }
    out.by_user.offsets.push_back(out.by_user.columns.size());
  }
  out.by_item = transpose(out.by_user.view(), items);
  return out;
}

// lambda = 10, not the default 0.05: the first items half-step follows users solved from tiny
// positive factors, so X'X is nearly rank one (eigenvalues from ~5000 down to lambda) and three
// float CG steps are mostly rounding there. At lambda = 0.1 the CPU twin lands 25% away from the
// same CG in double and the emulated kernels 19% away (and 23% from each other), and the runs
// drift apart; at lambda = 10 both twins agree to 1e-5 in loss and 4e-4 in factors throughout
// (measured with the emulated kernels, 80 x 60 and 160 x 120).
AlsTrainingOptions planted_options() {
  AlsTrainingOptions options;
  options.factors = 8;
  options.max_iterations = 40;
  options.regularization = 10.0f;
  options.cg_steps = 3;
  options.tolerance = 1e-3;
  options.seed = 7;
  return options;
}

// The same iterations, each loss within 1e-4 (relative), the factors within kTolerance of their
// norm (Frobenius) and the same stopping point.
void expect_same_training(const AlsSolver& solver, std::size_t users, std::size_t items) {
  const Planted data = planted(users, items, 8, 11);
  const AlsTrainingOptions options = planted_options();
  const auto got = train_implicit_als(solver, data.problem(), options);
  const auto want = train_implicit_als(*make_cpu_als_solver(), data.problem(), options);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(want.ok()) << want.status();
  ASSERT_EQ(got->iterations.size(), want->iterations.size());
  EXPECT_EQ(got->converged, want->converged);
  EXPECT_TRUE(want->converged) << "the planted problem should converge within 40 iterations";
  for (std::size_t i = 0; i < want->iterations.size(); ++i) {
    EXPECT_NEAR(got->iterations[i].loss, want->iterations[i].loss,
                1e-4 * std::abs(want->iterations[i].loss))
        << "iteration " << i + 1;
  }
  for (const auto& [g, w] :
       {std::pair(&got->users, &want->users), std::pair(&got->items, &want->items)}) {
    std::vector<float> diff(w->size());
    for (std::size_t i = 0; i < diff.size(); ++i) diff[i] = (*g)[i] - (*w)[i];
    EXPECT_LE(norm(diff), kTolerance * norm(*w));
  }
}

TEST(AlsSolverGpu, TrainingMatchesCpuIterationForIteration) {
  GPU_ALS_OR_SKIP(solver);
  expect_same_training(*solver, 160, 120);
}

// Several threads at once, each with its own problems; every result the bits a lone call gives.
TEST(AlsSolverGpu, ConcurrentCallsFromSeveralThreads) {
  GPU_ALS_OR_SKIP(solver);
  constexpr int kThreads = 6, kCalls = 4;
  std::vector<Problem> problems;
  std::vector<std::vector<float>> alone;
  for (int i = 0; i < kThreads * kCalls; ++i) {
    const int k = std::vector<int>{3, 32, 64, 128}[i % 4];
    problems.push_back(
        make_problem(200 + 5000 * (i % 3), k, cycling({0, 1, 5, 40, 300, 3, 2100}), 900 + i));
    alone.push_back(solve_with(*solver, problems.back(), 3));
  }
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int c = 0; c < kCalls && failures[t].empty(); ++c) {
        const int i = (t * kCalls + c * 5) % (kThreads * kCalls);
        std::vector<float> x = problems[i].start;
        if (absl::Status s = solver->solve(problems[i].step(3), x); !s.ok()) {
          failures[t] = s.ToString();
        } else if (!same_bits(x, alone[i])) {
          failures[t] = "problem " + std::to_string(i) + " differs from its lone call";
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(failures[t], "") << "thread " << t;
}

// The shared checks: the same code and message as the CPU twin, naming the field, and `solved`
// untouched.
TEST(AlsSolverGpu, RejectsBadArgumentsLikeTheCpuTwin) {
  GPU_ALS_OR_SKIP(solver);
  const auto cpu = make_cpu_als_solver();
  const Problem good = make_problem(6, 4, cycling({2, 0, 3}), 41);
  struct Case {
    std::string field;
    std::function<void(Problem&, AlsStep&, std::vector<float>&)> spoil;
  };
  const std::vector<Case> cases = {
      {"fixed.factors", [](Problem&, AlsStep& s, auto&) { s.fixed.factors = 0; }},
      {"fixed.factors", [](Problem&, AlsStep& s, auto&) { s.fixed.factors = 1025; }},
      {"fixed.values", [](Problem&, AlsStep& s, auto&) { s.fixed.rows += 1; }},
      {"matrix.offsets", [](Problem&, AlsStep& s, auto&) { s.matrix.rows += 1; }},
      {"matrix.offsets[0]", [](Problem& p, AlsStep&, auto&) { p.matrix.offsets[0] = 1; }},
      {"matrix.offsets[2]", [](Problem& p, AlsStep&, auto&) { p.matrix.offsets[2] = 1; }},
      {"matrix.columns",
       [](Problem&, AlsStep& s, auto&) {
         s.matrix.columns = s.matrix.columns.first(s.matrix.columns.size() - 1);
       }},
      {"matrix.confidences",
       [](Problem&, AlsStep& s, auto&) {
         s.matrix.confidences = s.matrix.confidences.first(s.matrix.confidences.size() - 1);
       }},
      {"matrix.columns[3]", [](Problem& p, AlsStep&, auto&) { p.matrix.columns[3] = 1u << 30; }},
      {"matrix.confidences[1]", [](Problem& p, AlsStep&, auto&) { p.matrix.confidences[1] = 0; }},
      {"matrix.confidences[4]",
       [](Problem& p, AlsStep&, auto&) { p.matrix.confidences[4] = std::nanf(""); }},
      {"gram", [](Problem&, AlsStep& s, auto&) { s.gram = s.gram.first(3); }},
      {"regularization", [](Problem&, AlsStep& s, auto&) { s.regularization = -1.0f; }},
      {"regularization", [](Problem&, AlsStep& s, auto&) { s.regularization = INFINITY; }},
      {"cg_steps", [](Problem&, AlsStep& s, auto&) { s.cg_steps = 0; }},
      {"cg_steps", [](Problem&, AlsStep& s, auto&) { s.cg_steps = kMaxAlsCgSteps + 1; }},
      {"solved", [](Problem&, AlsStep&, std::vector<float>& x) { x.pop_back(); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    Problem p = good;
    std::vector<float> x = p.start;
    AlsStep step = p.step(3);
    c.spoil(p, step, x);
    std::vector<float> x_cpu = x;
    const absl::Status got = solver->solve(step, x);
    const absl::Status want = cpu->solve(step, x_cpu);
    EXPECT_TRUE(absl::IsInvalidArgument(got)) << got;
    EXPECT_EQ(got, want);
    EXPECT_NE(got.message().find(c.field + ":"), std::string::npos) << got;
    EXPECT_TRUE(std::equal(x.begin(), x.end(), p.start.begin())) << "solved changed";
  }
  // gram's own checks.
  std::vector<float> out(16);
  const FactorMatrix fixed = good.fixed_matrix();
  for (const auto& [field, matrix, size] :
       {std::tuple("out", fixed, std::size_t{15}),
        std::tuple("fixed.factors", FactorMatrix{fixed.values, fixed.rows, 0}, std::size_t{16}),
        std::tuple("fixed.values", FactorMatrix{fixed.values, fixed.rows + 1, 4},
                   std::size_t{16})}) {
    const absl::Status got = solver->gram(matrix, std::span(out).first(size));
    EXPECT_EQ(got, cpu->gram(matrix, std::span(out).first(size)));
    EXPECT_NE(got.message().find(std::string(field) + ":"), std::string::npos) << got;
  }
  // An empty matrix is fine and changes nothing.
  Problem empty = make_problem(0, 4, cycling({1}), 5);
  std::vector<float> none;
  EXPECT_TRUE(solver->solve(empty.step(3), none).ok());
}

// ---------------------------------------------------------------------------------------------
// The kernel bodies on the CPU emulator.

// Global memory for the emulator: every load must fall inside one of these buffers.
struct Buffers {
  std::vector<std::pair<const void*, std::size_t>> spans;
  template <class T>
  void add(const std::vector<T>& v) {
    spans.emplace_back(v.data(), v.size() * sizeof(T));
  }
  template <class T>
  void add(std::span<const T> v) {
    spans.emplace_back(v.data(), v.size_bytes());
  }
  bool inside(const void* p, std::size_t bytes) const {
    const auto* c = static_cast<const unsigned char*>(p);
    for (const auto& [data, size] : spans) {
      const auto* d = static_cast<const unsigned char*>(data);
      if (c >= d && c + bytes <= d + size) return true;
    }
    return false;
  }
};

struct CheckedOps : gpu::emu::EmuOps {
  const Buffers* buffers;

  template <class T>
  T load(const T* p) const {
    if (!buffers->inside(p, sizeof(T))) block->fail("load outside every buffer");
    return *p;
  }
  float load_f32(const float* p) const { return load(p); }
  std::uint32_t load_u32(const std::uint32_t* p) const { return load(p); }
  std::uint64_t load_u64(const std::uint64_t* p) const { return load(p); }
};

constexpr float kGuard = -31337.0f;
constexpr std::size_t kGuardFloats = 64;

// The GPU solver's host side (als_solver_gpu.cc) with the launches on the emulator and the
// GEMMs in plain loops; `chunk_rows` small, so that tests cross chunk edges with few rows.
class EmulatedAlsSolver final : public AlsSolver {
 public:
  explicit EmulatedAlsSolver(std::size_t chunk_rows) : chunk_rows_(chunk_rows) {}
  std::string describe() const override { return "gpu kernels on the CPU emulator"; }

 protected:
  absl::Status gram_checked(const FactorMatrix& fixed, std::span<float> out) const override {
    const auto k = static_cast<std::size_t>(fixed.factors);
    for (std::size_t i = 0; i < k; ++i) {
      for (std::size_t j = i; j < k; ++j) {
        float sum = 0.0f;
        for (std::size_t r = 0; r < fixed.rows; ++r) {
          sum += fixed.values[r * k + i] * fixed.values[r * k + j];
        }
        out[i * k + j] = out[j * k + i] = sum;
      }
    }
    return absl::OkStatus();
  }

  absl::Status solve_checked(const AlsStep& step, std::span<float> solved) const override {
    using namespace gpu;
    const ConfidenceRows& m = step.matrix;
    const int k = step.fixed.factors;
    const auto uk = static_cast<std::size_t>(k);
    std::vector<float> a0(step.gram.begin(), step.gram.end());
    for (std::size_t i = 0; i < uk; ++i) a0[i * uk + i] += step.regularization;
    // The device copy of `solved`, with guards.
    std::vector<float> x(solved.begin(), solved.end());
    x.resize(x.size() + kGuardFloats, kGuard);
    const std::size_t chunk = std::min(chunk_rows_, m.rows);
    std::vector<float> r(chunk * uk + kGuardFloats, kGuard), p(r), ap(r);
    std::vector<float> residual(chunk + kGuardFloats, kGuard);
    for (std::size_t first = 0; first < m.rows; first += chunk) {
      const std::size_t rows = std::min(chunk, m.rows - first);
      std::vector<AlsSegment> segments;
      std::vector<AlsHeavyRow> heavy;
      append_heavy_rows(m.offsets.data(), first, rows, 0, segments, heavy);
      std::vector<float> partials(segments.size() * uk + kGuardFloats, kGuard);
      Buffers buffers;
      buffers.add(m.offsets);
      buffers.add(m.columns);
      buffers.add(m.confidences);
      buffers.add(step.fixed.values);
      for (const auto* v : {&x, &r, &p, &ap, &residual, &partials}) {
        buffers.spans.emplace_back(v->data(), (v->size() - kGuardFloats) * sizeof(float));
      }
      buffers.add(segments);
      buffers.add(heavy);
      AlsRowsParams params;
      params.offsets = m.offsets.data();
      params.columns = m.columns.data();
      params.confidences = m.confidences.data();
      params.fixed = step.fixed.values.data();
      params.segments = segments.data();
      params.heavy = heavy.data();
      params.partials = partials.data();
      params.x = x.data() + first * uk;
      params.r = r.data();
      params.p = p.data();
      params.ap = ap.data();
      params.residual = residual.data();
      params.first = first;
      params.rows = rows;
      params.segment_count = segments.size();
      params.heavy_count = heavy.size();
      params.factors = k;
      multiply(params.x, rows, a0, k, -1.0f, r.data());
      launch(params, /*initial=*/true, buffers);
      for (int s = 0; s < step.cg_steps; ++s) {
        multiply(p.data(), rows, a0, k, 1.0f, ap.data());
        launch(params, /*initial=*/false, buffers);
      }
      for (const auto* v : {&x, &r, &p, &ap, &residual, &partials}) {
        for (std::size_t i = v->size() - kGuardFloats; i < v->size(); ++i) {
          if (!same_bits(std::span(&(*v)[i], 1), std::span(&kGuard, 1))) {
            return absl::InternalError("a kernel wrote past a buffer");
          }
        }
      }
    }
    std::copy(x.begin(), x.begin() + solved.size(), solved.begin());
    return absl::OkStatus();
  }

 private:
  // out (rows x k) = scale * in (rows x k) * a (k x k), float sums in plain order.
  static void multiply(const float* in, std::size_t rows, const std::vector<float>& a, int k,
                       float scale, float* out) {
    const auto uk = static_cast<std::size_t>(k);
    for (std::size_t u = 0; u < rows; ++u) {
      for (std::size_t j = 0; j < uk; ++j) {
        float sum = 0.0f;
        for (std::size_t i = 0; i < uk; ++i) sum += in[u * uk + i] * a[i * uk + j];
        out[u * uk + j] = scale * sum;
      }
    }
  }

  template <int N, bool kInitial>
  static void launch_n(const gpu::AlsRowsParams& p, const Buffers& buffers) {
    using namespace gpu;
    const auto blocks = static_cast<int>(als_rows_blocks(p.rows, p.segment_count));
    emu::run_grid(blocks, 1, kAlsWarps, kAlsSmemWords<N> * sizeof(std::uint32_t),
                  [&](const emu::EmuOps& ops, std::uint32_t* smem, int x, int) {
                    als_rows_block<N, kInitial>(CheckedOps{ops, &buffers}, p, smem, x);
                  });
    const auto heavy_blocks = static_cast<int>(als_heavy_rows_blocks(p.heavy_count));
    emu::run_grid(heavy_blocks, 1, kAlsWarps, 0,
                  [&](const emu::EmuOps& ops, std::uint32_t*, int x, int) {
                    als_heavy_rows_block<N, kInitial>(CheckedOps{ops, &buffers}, p, x);
                  });
  }

  template <int N>
  static void launch_n(const gpu::AlsRowsParams& p, bool initial, const Buffers& buffers) {
    if (initial) {
      launch_n<N, true>(p, buffers);
    } else {
      launch_n<N, false>(p, buffers);
    }
  }

  static void launch(const gpu::AlsRowsParams& p, bool initial, const Buffers& buffers) {
    switch (gpu::als_slots(p.factors)) {
      case 1:
        return launch_n<1>(p, initial, buffers);
      case 2:
        return launch_n<2>(p, initial, buffers);
      case 4:
        return launch_n<4>(p, initial, buffers);
      default:
        FAIL() << "the emulation tests stop at 128 factors";
    }
  }

  const std::size_t chunk_rows_;
};

// Emulated solves against the CPU twin; a kernel error (a collective some lanes skip, a load
// outside the buffers) throws from the emulator.
void expect_emulation_matches_cpu(const Problem& p, int cg_steps, std::size_t chunk_rows) {
  SCOPED_TRACE(::testing::Message()
               << "k " << p.k << ", cg_steps " << cg_steps << ", chunks of " << chunk_rows);
  const EmulatedAlsSolver emulated(chunk_rows);
  std::vector<float> got = p.start;
  absl::Status status;
  try {
    status = emulated.solve(p.step(cg_steps), got);
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_TRUE(rows_near(got, solve_with(*make_cpu_als_solver(), p, cg_steps), p.start, p.k));
}

TEST(AlsKernelEmulation, SolveMatchesCpuAcrossFactorCountsAndRowKinds) {
  // kCounts' light rows, one- and two-segment rows, in fewer entries (the emulator is slow).
  const std::vector<std::uint32_t> counts = {0, 1, 2, 5, 40, 257, 2049, 3};
  std::uint64_t seed = 500;
  for (int k : {1, 7, 32, 33, 100}) {
    const Problem p = make_problem(counts.size() + 3, k, cycling(counts), seed++);
    for (int cg_steps : {1, 3}) expect_emulation_matches_cpu(p, cg_steps, 1 << 16);
  }
  const Problem p = make_problem(9, 5, cycling({0, 300, 1, 2049}), 600);
  expect_emulation_matches_cpu(p, 5, 1 << 16);  // cg_steps = k
}

// Chunks of 4 rows: heavy rows and their segments at chunk edges, a short last chunk.
TEST(AlsKernelEmulation, ChunkEdgesAndSegmentsMatchCpu) {
  const Problem p = make_problem(15, 9, cycling({2049, 0, 3, 300, 1, 4500, 2}), 700);
  expect_emulation_matches_cpu(p, 3, 4);
  expect_emulation_matches_cpu(p, 2, 5);
}

TEST(AlsKernelEmulation, RowsAtTheResidualFloorStayPut) {
  Problem p = make_problem(6, 4, cycling({0, 3}), 77);
  p.regularization = 1e-6f;
  for (std::size_t r = 0; r < 6; r += 2) std::fill_n(p.start.begin() + r * 4, 4, 0.0f);
  std::vector<float> x = p.start;
  ASSERT_TRUE(EmulatedAlsSolver(1 << 16).solve(p.step(4), x).ok());
  for (std::size_t r = 0; r < 6; r += 2) {
    for (int i = 0; i < 4; ++i) ASSERT_EQ(x[r * 4 + i], 0.0f) << "row " << r;
  }
}

// The training test's tolerances hold for the emulated kernels, whose sums run in yet another
// order than cuBLAS's and OpenBLAS's.
TEST(AlsKernelEmulation, TrainingMatchesCpuIterationForIteration) {
  const EmulatedAlsSolver emulated(64);
  expect_same_training(emulated, 80, 60);
}

}  // namespace
}  // namespace feedrank::kernels
