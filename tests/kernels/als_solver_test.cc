// The CPU ALS solver and the training loop: a half-step's conjugate gradient against a direct
// double-precision solve of the normal equations, recovery of a planted low-rank structure
// (held-out engagements ranked far above random pairs), determinism by seed, and every bad
// argument named.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/als_solver.h"
#include "kernels/implicit_als.h"
#include "tests/kernels/als_reference.h"

namespace feedrank::kernels {
namespace {

// A users x items matrix with random entries (rows may be empty).
OwnedConfidenceRows random_rows(std::size_t rows, std::size_t columns, double density,
                                std::uint32_t seed) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  OwnedConfidenceRows m;
  m.rows = rows;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < columns; ++c) {
      if (unit(random) < density) {
        m.columns.push_back(static_cast<std::uint32_t>(c));
        m.confidences.push_back(static_cast<float>(0.5 + 9.5 * unit(random)));
      }
    }
    m.offsets.push_back(m.columns.size());
  }
  return m;
}

std::vector<float> random_factors(std::size_t rows, int k, std::uint32_t seed) {
  std::mt19937 random(seed);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  std::vector<float> v(rows * static_cast<std::size_t>(k));
  for (float& x : v) x = normal(random);
  return v;
}

absl::Status solve(const AlsSolver& solver, const ConfidenceRows& m, const std::vector<float>& y,
                   int k, float lambda, int steps, std::vector<float>& x) {
  std::vector<float> gram(static_cast<std::size_t>(k) * k);
  const FactorMatrix fixed{y, y.size() / k, k};
  if (absl::Status s = solver.gram(fixed, gram); !s.ok()) return s;
  AlsStep step;
  step.matrix = m;
  step.fixed = fixed;
  step.gram = gram;
  step.regularization = lambda;
  step.cg_steps = steps;
  return solver.solve(step, x);
}

TEST(AlsSolverCpu, GramIsYTransposeY) {
  const auto solver = make_cpu_als_solver();
  const int k = 5;
  const std::vector<float> y = random_factors(37, k, 1);
  std::vector<float> gram(k * k);
  ASSERT_TRUE(solver->gram({y, 37, k}, gram).ok());
  for (int p = 0; p < k; ++p) {
    for (int q = 0; q < k; ++q) {
      double want = 0;
      for (int i = 0; i < 37; ++i) want += double(y[i * k + p]) * y[i * k + q];
      EXPECT_NEAR(gram[p * k + q], want, 1e-4) << p << "," << q;
    }
  }
}

// With as many CG steps as factors (and a few more for rounding), conjugate gradient reaches the
// exact least-squares solution: the fold-in of one user equals the direct solve.
TEST(AlsSolverCpu, EnoughCgStepsReachTheDirectSolution) {
  const auto solver = make_cpu_als_solver();
  for (int k : {1, 4, 16, 33}) {
    const OwnedConfidenceRows m = random_rows(20, 60, 0.15, 7 + k);
    const std::vector<float> y = random_factors(60, k, 11 + k);
    std::vector<float> x = random_factors(20, k, 13 + k);  // any warm start
    ASSERT_TRUE(solve(*solver, m.view(), y, k, 0.1f, 3 * k, x).ok());
    for (std::size_t u = 0; u < m.rows; ++u) {
      const std::vector<double> want = testing::direct_solution(m.view(), u, y, k, 0.1f);
      for (int j = 0; j < k; ++j) {
        EXPECT_NEAR(x[u * k + j], want[j], 2e-4 * (1.0 + std::abs(want[j])))
            << "k " << k << " row " << u << " factor " << j;
      }
    }
  }
}

TEST(AlsSolverCpu, ARowWithoutEntriesGoesToZero) {
  const auto solver = make_cpu_als_solver();
  OwnedConfidenceRows empty;
  empty.rows = 1;
  empty.offsets = {0, 0};
  const std::vector<float> y = random_factors(10, 3, 2);
  std::vector<float> x = {0.5f, -0.2f, 0.1f};
  ASSERT_TRUE(solve(*solver, empty.view(), y, 3, 0.1f, 9, x).ok());
  for (float v : x) EXPECT_NEAR(v, 0.0f, 1e-5);
}

TEST(AlsSolverCpu, ManyRowsAcrossChunksAndThreadsMatchRowByRowSolves) {
  const auto solver = make_cpu_als_solver();
  const int k = 8;
  const OwnedConfidenceRows m = random_rows(20000, 30, 0.1, 3);
  const std::vector<float> y = random_factors(30, k, 4);
  std::vector<float> all = random_factors(m.rows, k, 5);
  std::vector<float> start = all;
  ASSERT_TRUE(solve(*solver, m.view(), y, k, 0.05f, 3, all).ok());
  for (std::size_t u : {std::size_t{0}, std::size_t{16383}, std::size_t{16384}, std::size_t{19999}}) {
    OwnedConfidenceRows one;
    one.rows = 1;
    for (std::uint64_t e = m.offsets[u]; e < m.offsets[u + 1]; ++e) {
      one.columns.push_back(m.columns[e]);
      one.confidences.push_back(m.confidences[e]);
    }
    one.offsets.push_back(one.columns.size());
    std::vector<float> x(start.begin() + u * k, start.begin() + (u + 1) * k);
    ASSERT_TRUE(solve(*solver, one.view(), y, k, 0.05f, 3, x).ok());
    // The same arithmetic per row; a BLAS may take another kernel for one row than for many.
    for (int j = 0; j < k; ++j) {
      EXPECT_NEAR(x[j], all[u * k + j], 1e-5f * (1.0f + std::abs(all[u * k + j]))) << "row " << u;
    }
  }
}

TEST(AlsSolverCpu, EveryBadArgumentIsNamed) {
  const auto solver = make_cpu_als_solver();
  const OwnedConfidenceRows m = random_rows(3, 4, 0.5, 1);
  const std::vector<float> y = random_factors(4, 2, 1);
  std::vector<float> gram(4), x(6);
  ASSERT_TRUE(solver->gram({y, 4, 2}, gram).ok());
  const auto message = [&](AlsStep step, std::span<float> out) {
    const absl::Status s = solver->solve(step, out);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    return std::string(s.message());
  };
  AlsStep good;
  good.matrix = m.view();
  good.fixed = {y, 4, 2};
  good.gram = gram;
  ASSERT_TRUE(solver->solve(good, x).ok());

  AlsStep bad = good;
  bad.fixed.factors = 0;
  EXPECT_TRUE(message(bad, x).starts_with("fixed.factors"));
  bad = good;
  bad.fixed.rows = 5;
  EXPECT_TRUE(message(bad, x).starts_with("fixed.values"));
  bad = good;
  std::vector<std::uint64_t> offsets(m.offsets.begin(), m.offsets.end());
  offsets[1] = offsets[2] + 1;
  bad.matrix.offsets = offsets;
  EXPECT_TRUE(message(bad, x).starts_with("matrix.offsets[2]"));
  bad = good;
  std::vector<std::uint32_t> columns(m.columns.begin(), m.columns.end());
  columns[1] = 4;
  bad.matrix.columns = columns;
  EXPECT_TRUE(message(bad, x).starts_with("matrix.columns[1]"));
  bad = good;
  std::vector<float> confidences(m.confidences.begin(), m.confidences.end());
  confidences[0] = 0.0f;
  bad.matrix.confidences = confidences;
  EXPECT_TRUE(message(bad, x).starts_with("matrix.confidences[0]"));
  bad = good;
  bad.gram = std::span<const float>(gram).first(3);
  EXPECT_TRUE(message(bad, x).starts_with("gram"));
  bad = good;
  bad.regularization = -1;
  EXPECT_TRUE(message(bad, x).starts_with("regularization"));
  bad = good;
  bad.cg_steps = 0;
  EXPECT_TRUE(message(bad, x).starts_with("cg_steps"));
  EXPECT_TRUE(message(good, std::span<float>(x).first(5)).starts_with("solved"));
  EXPECT_FALSE(solver->gram({y, 4, 2}, std::span<float>(gram).first(2)).ok());
}

TEST(ImplicitAls, TransposeSwapsRowsAndColumns) {
  const OwnedConfidenceRows m = random_rows(9, 7, 0.3, 9);
  const OwnedConfidenceRows t = transpose(m.view(), 7);
  const OwnedConfidenceRows back = transpose(t.view(), 9);
  EXPECT_EQ(back.offsets, m.offsets);
  EXPECT_EQ(back.columns, m.columns);
  EXPECT_EQ(back.confidences, m.confidences);
  EXPECT_EQ(t.rows, 7u);
  EXPECT_EQ(t.columns.size(), m.columns.size());
}

// Users and items in `groups` clusters; a user engages with items of its own cluster only.
// Some of each user's engagements are held out of training.
struct Planted {
  OwnedConfidenceRows train, train_by_item;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> held_out;  // (user, item)
  std::size_t users, items;
};
Planted planted(std::size_t users, std::size_t items, int groups, std::uint32_t seed) {
  std::mt19937 random(seed);
  Planted p{{}, {}, {}, users, items};
  p.train.rows = users;
  for (std::size_t u = 0; u < users; ++u) {
    const std::size_t group = u % groups;
    std::vector<std::uint32_t> chosen;
    for (std::size_t i = group; i < items; i += groups) {
      if (std::uniform_real_distribution<double>(0, 1)(random) < 0.3) {
        chosen.push_back(static_cast<std::uint32_t>(i));
      }
    }
    for (std::size_t n = 0; n < chosen.size(); ++n) {
      if (n % 5 == 4) {
        p.held_out.emplace_back(static_cast<std::uint32_t>(u), chosen[n]);
      } else {
        p.train.columns.push_back(chosen[n]);
        p.train.confidences.push_back(5.0f);
      }
    }
    p.train.offsets.push_back(p.train.columns.size());
  }
  p.train_by_item = transpose(p.train.view(), items);
  return p;
}

float score(const AlsFactors& f, std::uint32_t u, std::uint32_t i) {
  float s = 0;
  for (int j = 0; j < f.factors; ++j) s += f.users[u * f.factors + j] * f.items[i * f.factors + j];
  return s;
}

// AUC of held-out engagements against random items of other clusters (which the user never
// engages with).
double held_out_auc(const Planted& p, const AlsFactors& f, int groups) {
  std::mt19937 random(99);
  std::uniform_int_distribution<std::uint32_t> item(0, static_cast<std::uint32_t>(p.items - 1));
  std::size_t wins = 0;
  for (const auto& [u, i] : p.held_out) {
    std::uint32_t other = item(random);
    while (other % groups == u % groups) other = item(random);
    wins += score(f, u, i) > score(f, u, other);
  }
  return static_cast<double>(wins) / p.held_out.size();
}

TEST(ImplicitAls, RecoversAPlantedLowRankStructure) {
  const Planted p = planted(300, 400, 8, 5);
  AlsTrainingOptions options;
  options.factors = 16;
  options.max_iterations = 20;
  const auto solver = make_cpu_als_solver();
  auto trained = train_implicit_als(*solver, {p.train.view(), p.train_by_item.view()}, options);
  ASSERT_TRUE(trained.ok()) << trained.status();
  // Untrained factors rank at chance; 7 of 8 random items are in another cluster.
  AlsFactors untrained = *trained;
  untrained.users = initial_factors(300, 16, 1);
  untrained.items = initial_factors(400, 16, 2);
  EXPECT_LT(held_out_auc(p, untrained, 8), 0.7);
  EXPECT_GT(held_out_auc(p, *trained, 8), 0.98);
  // The loss falls at every iteration, and training stops by the tolerance before the last one.
  ASSERT_GE(trained->iterations.size(), 2u);
  for (std::size_t i = 1; i < trained->iterations.size(); ++i) {
    EXPECT_LE(trained->iterations[i].loss, trained->iterations[i - 1].loss) << i;
  }
  EXPECT_LT(trained->iterations.back().loss, 0.7 * trained->iterations.front().loss);
  EXPECT_TRUE(trained->converged);
  EXPECT_LT(trained->iterations.size(), 20u);
}

TEST(ImplicitAls, TheSeedDecidesTheFactors) {
  const Planted p = planted(50, 60, 3, 6);
  AlsTrainingOptions options;
  options.factors = 4;
  options.max_iterations = 3;
  const auto solver = make_cpu_als_solver();
  const AlsProblem problem{p.train.view(), p.train_by_item.view()};
  auto a = train_implicit_als(*solver, problem, options);
  auto b = train_implicit_als(*solver, problem, options);
  options.seed = 2;
  auto c = train_implicit_als(*solver, problem, options);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->users, b->users);
  EXPECT_EQ(a->items, b->items);
  EXPECT_NE(a->users, c->users);
}

TEST(ImplicitAls, BadOptionsAreNamed) {
  const Planted p = planted(5, 6, 2, 1);
  const auto solver = make_cpu_als_solver();
  const AlsProblem problem{p.train.view(), p.train_by_item.view()};
  AlsTrainingOptions options;
  options.factors = 0;
  EXPECT_TRUE(std::string(train_implicit_als(*solver, problem, options).status().message())
                  .starts_with("factors"));
  options = {};
  options.max_iterations = 0;
  EXPECT_TRUE(std::string(train_implicit_als(*solver, problem, options).status().message())
                  .starts_with("max_iterations"));
  options = {};
  options.cg_steps = 0;
  EXPECT_TRUE(std::string(train_implicit_als(*solver, problem, options).status().message())
                  .starts_with("cg_steps"));
}

}  // namespace
}  // namespace feedrank::kernels
