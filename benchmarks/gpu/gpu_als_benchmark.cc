// Implicit-ALS training benchmark (Google Benchmark): one training iteration (Y'Y and the users
// half-step, X'X and the items half-step, as train_implicit_als runs them) on the CPU twin and
// the GPU twin of the ALS solver (kernels/als_solver.h), 128 factors, 3 CG steps, lambda 0.05:
//
//   BM_AlsIteration/backend:{cpu,gpu}/data:synthetic/users:100000/items:1000000/entries:2000000/...
//       a synthetic matrix: Zipf-like item popularity (item i drawn with probability about
//       1/(i + 1), ids shuffled), user activity log-normal around 20 entries, confidences
//       uniform in (0, 10], from a fixed seed
//   BM_AlsIteration/backend:{cpu,gpu}/data:lastfm/...
//       HetRec 2011 Last.fm (user_artists.dat, named by $FEEDRANK_LASTFM_USER_ARTISTS; skipped
//       when unset): users and artists remapped densely, confidence = log1p(listening count)
//   BM_AlsTrain/backend:{cpu,gpu}/data:lastfm/.../tolerance:0.001
//       train_implicit_als until an iteration lowers the loss by less than 0.1% (at most 100)
//
// Counters: seconds_per_iteration (median, wall clock: uploads and downloads included for the
// GPU, since the interface takes and returns host memory) and entries_per_second (the matrix's
// entries over that; each iteration visits every entry in both half-steps); for BM_AlsTrain
// iterations_to_converge (the iterations run), converged (0 when it stopped at 100),
// train_seconds (losses included) and final_loss. The CPU twin uses every
// core (its own threads and OpenBLAS's). Without a GPU the GPU cases are skipped with the reason.
// Links feedrank_kernels_blas and Google Benchmark only, so it runs on the lent GPU machine
// (benchmarks/gpu/run.sh, part "als").
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "benchmarks/gpu/gpu_benchmark_main.h"
#include "common/split_mix64.h"
#include "kernels/als_solver.h"
#include "kernels/compute_backend.h"
#include "kernels/implicit_als.h"

namespace feedrank::benchmarks {
namespace {

using kernels::AlsSolver;
using kernels::OwnedConfidenceRows;

constexpr int kFactors = 128;
constexpr int kCgSteps = 3;
constexpr float kRegularization = 0.05f;
constexpr std::size_t kUsers = 100000, kItems = 1000000, kEntries = 2000000;

struct Dataset {
  OwnedConfidenceRows by_user, by_item;
  std::size_t users() const { return by_user.rows; }
  std::size_t items() const { return by_item.rows; }
  std::size_t entries() const { return by_user.columns.size(); }
  kernels::AlsProblem problem() const { return {by_user.view(), by_item.view()}; }
};

// Uniform in [0, 1) from 53 bits (not std::uniform_real_distribution, whose algorithm is the
// library's choice): the data are the same on every machine.
double unit(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

Dataset make_synthetic() {
  std::mt19937_64 rng(20240611);
  // Activity: weights exp(z), z standard normal (Box-Muller), scaled to kEntries in all.
  std::vector<double> weight(kUsers);
  for (double& w : weight) {
    const double z = std::sqrt(-2.0 * std::log(1.0 - unit(rng))) * std::cos(2.0 * M_PI * unit(rng));
    w = std::exp(z);
  }
  const double total = std::accumulate(weight.begin(), weight.end(), 0.0);
  std::vector<std::uint32_t> count(kUsers);
  std::size_t assigned = 0;
  for (std::size_t u = 0; u < kUsers; ++u) {
    count[u] = static_cast<std::uint32_t>(weight[u] / total * kEntries);
    assigned += count[u];
  }
  for (std::size_t u = 0; assigned < kEntries; u = (u + 1) % kUsers, ++assigned) ++count[u];
  // Popularity rank -> item id.
  std::vector<std::uint32_t> item_of_rank(kItems);
  std::iota(item_of_rank.begin(), item_of_rank.end(), 0u);
  for (std::size_t i = kItems - 1; i > 0; --i)
    std::swap(item_of_rank[i], item_of_rank[rng() % (i + 1)]);
  const double log_items = std::log(static_cast<double>(kItems) + 1.0);

  Dataset d;
  d.by_user.rows = kUsers;
  d.by_user.offsets.reserve(kUsers + 1);
  d.by_user.columns.reserve(kEntries);
  d.by_user.confidences.reserve(kEntries);
  std::vector<std::uint32_t> row;
  for (std::size_t u = 0; u < kUsers; ++u) {
    row.clear();
    while (row.size() < count[u]) {
      // Rank r with probability log((r + 2) / (r + 1)) / log(items + 1), about 1 / (r + 1).
      const auto rank = std::min<std::size_t>(
          kItems - 1, static_cast<std::size_t>(std::exp(unit(rng) * log_items)) - 1);
      const std::uint32_t item = item_of_rank[rank];
      if (std::find(row.begin(), row.end(), item) == row.end()) row.push_back(item);
    }
    for (std::uint32_t item : row) {
      d.by_user.columns.push_back(item);
      d.by_user.confidences.push_back(static_cast<float>(10.0 * (1.0 - unit(rng))));  // (0, 10]
    }
    d.by_user.offsets.push_back(d.by_user.columns.size());
  }
  d.by_item = kernels::transpose(d.by_user.view(), kItems);
  return d;
}

const Dataset& synthetic() {
  static const Dataset d = make_synthetic();
  return d;
}

// user_artists.dat: a header line "userID\tartistID\tweight", then one line per pair.
absl::StatusOr<Dataset> read_lastfm(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot open " + path);
  std::vector<std::tuple<std::uint64_t, std::uint64_t, double>> pairs;
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty() || line.rfind("userID", 0) == 0) continue;
    std::istringstream fields(line);
    std::uint64_t user = 0, artist = 0;
    double weight = 0;
    if (!(fields >> user >> artist >> weight)) {
      return absl::InvalidArgumentError(path + ":" + std::to_string(line_number) +
                                        ": want userID, artistID and weight");
    }
    if (weight > 0) pairs.emplace_back(user, artist, weight);  // confidence 0 carries nothing
  }
  if (pairs.empty()) return absl::InvalidArgumentError(path + ": no pairs");
  std::sort(pairs.begin(), pairs.end());
  std::vector<std::uint64_t> users, artists;
  for (const auto& [user, artist, weight] : pairs) {
    users.push_back(user);
    artists.push_back(artist);
  }
  for (auto* ids : {&users, &artists}) {
    std::sort(ids->begin(), ids->end());
    ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
  }
  const auto index = [](const std::vector<std::uint64_t>& ids, std::uint64_t id) {
    return static_cast<std::uint32_t>(std::lower_bound(ids.begin(), ids.end(), id) - ids.begin());
  };
  Dataset d;
  d.by_user.rows = users.size();
  std::size_t row = 0;
  for (const auto& [user, artist, weight] : pairs) {
    for (const std::uint32_t u = index(users, user); row < u; ++row) {
      d.by_user.offsets.push_back(d.by_user.columns.size());
    }
    d.by_user.columns.push_back(index(artists, artist));
    d.by_user.confidences.push_back(static_cast<float>(std::log1p(weight)));
  }
  for (; row < users.size(); ++row) d.by_user.offsets.push_back(d.by_user.columns.size());
  d.by_item = kernels::transpose(d.by_user.view(), artists.size());
  return d;
}

absl::StatusOr<const Dataset*> lastfm() {
  static const absl::StatusOr<Dataset> d = []() -> absl::StatusOr<Dataset> {
    const char* path = std::getenv("FEEDRANK_LASTFM_USER_ARTISTS");
    if (path == nullptr || *path == '\0') {
      return absl::FailedPreconditionError(
          "FEEDRANK_LASTFM_USER_ARTISTS is not set (HetRec 2011 Last.fm user_artists.dat)");
    }
    return read_lastfm(path);
  }();
  if (!d.ok()) return d.status();
  return &*d;
}

enum class Data { kSynthetic, kLastfm };

absl::StatusOr<const Dataset*> dataset(Data data) {
  if (data == Data::kLastfm) return lastfm();
  return &synthetic();
}

// The solver for a backend, made once; null with the reason when there is none.
const AlsSolver* solver(bool gpu, std::string* why) {
  static const std::unique_ptr<AlsSolver> cpu = kernels::make_cpu_als_solver();
  if (!gpu) return cpu.get();
  static const auto made = kernels::make_gpu_als_solver();
  if (!made.ok()) {
    *why = std::string(made.status().message());
    return nullptr;
  }
  return made->get();
}

// One training iteration as train_implicit_als runs it.
absl::Status iterate(const AlsSolver& solver, const Dataset& d, std::vector<float>& users,
                     std::vector<float>& items, std::vector<float>& gram) {
  const kernels::FactorMatrix item_factors{items, d.items(), kFactors};
  const kernels::FactorMatrix user_factors{users, d.users(), kFactors};
  for (const auto& [matrix, fixed, solved] : {std::tuple(d.by_user.view(), item_factors, &users),
                                              std::tuple(d.by_item.view(), user_factors, &items)}) {
    if (absl::Status s = solver.gram(fixed, gram); !s.ok()) return s;
    kernels::AlsStep step;
    step.matrix = matrix;
    step.fixed = fixed;
    step.gram = gram;
    step.regularization = kRegularization;
    step.cg_steps = kCgSteps;
    if (absl::Status s = solver.solve(step, *solved); !s.ok()) return s;
  }
  return absl::OkStatus();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

// The solver and data of a case, or the reason the case is skipped.
template <typename Fn>
void with_case(benchmark::State& state, bool gpu, Data data, const Fn& fn) {
  std::string why;
  const AlsSolver* s = solver(gpu, &why);
  if (s == nullptr) {
    state.SkipWithError(why.c_str());
    return;
  }
  const absl::StatusOr<const Dataset*> d = dataset(data);
  if (!d.ok()) {
    state.SkipWithError(std::string(d.status().message()).c_str());
    return;
  }
  state.SetLabel(s->describe());
  fn(*s, **d);
}

void iteration_benchmark(benchmark::State& state, bool gpu, Data data) {
  with_case(state, gpu, data, [&](const AlsSolver& s, const Dataset& d) {
    std::vector<float> users = kernels::initial_factors(d.users(), kFactors, 1);
    std::vector<float> items = kernels::initial_factors(d.items(), kFactors, split_mix64_hash(1));
    std::vector<float> gram(static_cast<std::size_t>(kFactors) * kFactors);
    // Warm-up: the GPU's buffers, cuBLAS's kernels and the CPU's threads.
    if (absl::Status st = iterate(s, d, users, items, gram); !st.ok()) {
      state.SkipWithError(std::string(st.message()).c_str());
      return;
    }
    std::vector<double> seconds;
    for (auto _ : state) {
      const auto start = std::chrono::steady_clock::now();
      const absl::Status st = iterate(s, d, users, items, gram);
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      if (!st.ok()) {
        state.SkipWithError(std::string(st.message()).c_str());
        return;
      }
      seconds.push_back(took.count());
      state.SetIterationTime(took.count());
    }
    const double m = median(seconds);
    state.counters["seconds_per_iteration"] = m;
    state.counters["entries_per_second"] = static_cast<double>(d.entries()) / m;
    state.counters["entries"] = static_cast<double>(d.entries());
  });
}

void train_benchmark(benchmark::State& state, bool gpu, Data data, double tolerance) {
  with_case(state, gpu, data, [&](const AlsSolver& s, const Dataset& d) {
    kernels::AlsTrainingOptions options;
    options.factors = kFactors;
    options.cg_steps = kCgSteps;
    options.regularization = kRegularization;
    options.tolerance = tolerance;
    options.max_iterations = 100;
    options.seed = 1;
    for (auto _ : state) {
      const auto start = std::chrono::steady_clock::now();
      const auto trained = kernels::train_implicit_als(s, d.problem(), options);
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      if (!trained.ok()) {
        state.SkipWithError(std::string(trained.status().message()).c_str());
        return;
      }
      state.SetIterationTime(took.count());
      std::vector<double> seconds;
      for (const auto& it : trained->iterations) seconds.push_back(it.seconds);
      state.counters["iterations_to_converge"] = static_cast<double>(trained->iterations.size());
      state.counters["converged"] = trained->converged ? 1 : 0;
      state.counters["train_seconds"] = took.count();
      state.counters["seconds_per_iteration"] = median(seconds);
      state.counters["final_loss"] = trained->iterations.back().loss;
    }
  });
}

void register_all() {
  const std::string shape =
      "/factors:" + std::to_string(kFactors) + "/cg_steps:" + std::to_string(kCgSteps);
  const std::string synthetic_name = "/data:synthetic/users:" + std::to_string(kUsers) +
                                     "/items:" + std::to_string(kItems) +
                                     "/entries:" + std::to_string(kEntries);
  for (bool gpu : {false, true}) {
    const std::string backend = std::string("/backend:") + (gpu ? "gpu" : "cpu");
    // A CPU iteration of the synthetic case takes seconds: two timed after the warm-up.
    benchmark::RegisterBenchmark(
        ("BM_AlsIteration" + backend + synthetic_name + shape).c_str(),
        [=](benchmark::State& s) { iteration_benchmark(s, gpu, Data::kSynthetic); })
        ->UseManualTime()
        ->Iterations(2)
        ->Unit(benchmark::kMillisecond);
  }
  for (bool gpu : {false, true}) {
    const std::string backend = std::string("/backend:") + (gpu ? "gpu" : "cpu");
    benchmark::RegisterBenchmark(
        ("BM_AlsIteration" + backend + "/data:lastfm" + shape).c_str(),
        [=](benchmark::State& s) { iteration_benchmark(s, gpu, Data::kLastfm); })
        ->UseManualTime()
        ->Iterations(10)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(
        ("BM_AlsTrain" + backend + "/data:lastfm" + shape + "/tolerance:0.001").c_str(),
        [=](benchmark::State& s) { train_benchmark(s, gpu, Data::kLastfm, 1e-3); })
        ->UseManualTime()
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace
}  // namespace feedrank::benchmarks

int main(int argc, char** argv) {
  return feedrank::benchmarks::run_gpu_benchmark_program(argc, argv, "gpu_als_benchmark",
                                                         feedrank::benchmarks::register_all);
}
