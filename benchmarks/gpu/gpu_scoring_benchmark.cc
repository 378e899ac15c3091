// Feature scoring benchmark (Google Benchmark): FeatureScorer::score per call on the CPU twin
// and the GPU twin for 1 and 256 viewers x 1,500 candidates x 13 and 32 features (viewers'
// rows stacked in one call), and the GPU kernel alone on data already on the device.
//
//   BM_Score/backend:{cpu,gpu}/viewers:V/candidates:1500/columns:C    one call, wall time
//   BM_ScoreKernel/backend:gpu/viewers:V/candidates:1500/columns:C    the kernel, CUDA events
//
// A call's time includes moving the matrix to the GPU: 256 x 1,500 x 32 floats are 49 MB, so
// over PCIe (~50 GB/s) the call cannot go under ~1 ms however fast the kernel is; the kernel
// line shows what a device-resident matrix would cost. Counters: median_ms (the manual time
// Google Benchmark prints is the mean) and GBps (matrix bytes over median_ms). Without a GPU
// the GPU cases are skipped with the reason and the CPU cases run alone. Links feedrank_kernels
// and Google Benchmark only, so it runs on the lent GPU machine (benchmarks/gpu/run.sh).
#include <benchmark/benchmark.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "benchmarks/gpu/gpu_benchmark_main.h"
#include "kernels/compute_backend.h"
#include "kernels/feature_scorer.h"
#include "kernels/gpu/cuda_handles.h"
#include "kernels/gpu/cuda_status.h"
#include "kernels/gpu/scoring_launch.h"

namespace feedrank::benchmarks {
namespace {

using kernels::FeatureScorer;
using kernels::ScoringBatch;

constexpr int kCandidates = 1500;

// Features uniform in [-1, 1], weights in [-2, 2] (a fixed seed).
struct Input {
  int columns = 0;
  std::vector<float> features, weights;
  std::size_t rows() const { return features.size() / columns; }
  ScoringBatch batch() const { return ScoringBatch{features, columns, weights}; }
};

Input make_input(int viewers, int columns) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f), weight(-2.0f, 2.0f);
  Input in;
  in.columns = columns;
  in.features.resize(static_cast<std::size_t>(viewers) * kCandidates * columns);
  for (float& v : in.features) v = value(rng);
  in.weights.resize(columns);
  for (float& w : in.weights) w = weight(rng);
  return in;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

void report(benchmark::State& state, const std::vector<double>& ms, const Input& in) {
  const double m = median(ms);
  state.counters["median_ms"] = m;
  state.counters["GBps"] = in.features.size() * sizeof(float) / (m * 1e6);
  state.counters["rows"] = static_cast<double>(in.rows());
}

// The GPU scorer, made once; null with the reason when there is none.
const FeatureScorer* gpu_scorer(std::string* why) {
  static const auto made = kernels::make_gpu_feature_scorer();
  if (!made.ok()) {
    *why = std::string(made.status().message());
    return nullptr;
  }
  return made->get();
}

void score_calls(benchmark::State& state, bool gpu, int viewers, int columns) {
  static const std::unique_ptr<FeatureScorer> cpu = kernels::make_cpu_feature_scorer();
  std::string why;
  const FeatureScorer* scorer = gpu ? gpu_scorer(&why) : cpu.get();
  if (scorer == nullptr) {
    state.SkipWithError(why.c_str());
    return;
  }
  const Input in = make_input(viewers, columns);
  std::vector<float> scores(in.rows());
  for (int warm = 0; warm < 2; ++warm) {
    if (absl::Status s = scorer->score(in.batch(), scores); !s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      return;
    }
  }
  std::vector<double> times;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const absl::Status s = scorer->score(in.batch(), scores);
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    if (!s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(scores.data());
    times.push_back(took.count());
    state.SetIterationTime(took.count() / 1e3);
  }
  report(state, times, in);
  state.SetLabel(scorer->describe());
}

// The kernel alone over a device-resident copy of the matrix, timed with CUDA events.
absl::Status time_kernel(const Input& in, benchmark::State& state, std::vector<double>& times) {
  using namespace kernels::gpu;
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaSetDevice(0));
  DeviceMemory features, weights, scores;
  FEEDRANK_RETURN_IF_ERROR(features.allocate(in.features.size() * sizeof(float)));
  FEEDRANK_RETURN_IF_ERROR(weights.allocate(in.weights.size() * sizeof(float)));
  FEEDRANK_RETURN_IF_ERROR(scores.allocate(in.rows() * sizeof(float)));
  Stream stream;
  Event start, stop;
  FEEDRANK_RETURN_IF_ERROR(stream.create());
  // On the kernels' stream: it is not ordered after the legacy default stream, and cudaMemcpy
  // from pageable memory may return before its DMA to the device is done.
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(features.get(), in.features.data(), features.size(),
                                                cudaMemcpyHostToDevice, stream.get()));
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(weights.get(), in.weights.data(), weights.size(),
                                                cudaMemcpyHostToDevice, stream.get()));
  FEEDRANK_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream.get()));
  FEEDRANK_RETURN_IF_ERROR(start.create(EventUse::kTiming));
  FEEDRANK_RETURN_IF_ERROR(stop.create(EventUse::kTiming));
  ScoringParams p;
  p.features = features.as<float>();
  p.weights = weights.as<float>();
  p.scores = scores.as<float>();
  p.rows = in.rows();
  p.columns = in.columns;
  for (int warm = 0; warm < 3; ++warm)
    FEEDRANK_CUDA_RETURN_IF_ERROR(launch_scoring(p, stream.get()));
  for (auto _ : state) {
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventRecord(start.get(), stream.get()));
    FEEDRANK_CUDA_RETURN_IF_ERROR(launch_scoring(p, stream.get()));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventRecord(stop.get(), stream.get()));
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventSynchronize(stop.get()));
    float ms = 0.0f;
    FEEDRANK_CUDA_RETURN_IF_ERROR(cudaEventElapsedTime(&ms, start.get(), stop.get()));
    times.push_back(ms);
    state.SetIterationTime(ms / 1e3);
  }
  return absl::OkStatus();
}

void kernel_only(benchmark::State& state, int viewers, int columns) {
  std::string why;
  if (gpu_scorer(&why) == nullptr) {
    state.SkipWithError(why.c_str());
    return;
  }
  const Input in = make_input(viewers, columns);
  std::vector<double> times;
  if (absl::Status s = time_kernel(in, state, times); !s.ok()) {
    state.SkipWithError(std::string(s.message()).c_str());
    return;
  }
  report(state, times, in);
}

std::string shape_name(int viewers, int columns) {
  return "viewers:" + std::to_string(viewers) + "/candidates:" + std::to_string(kCandidates) +
         "/columns:" + std::to_string(columns);
}

void register_all() {
  for (int columns : {32, 13}) {
    for (int viewers : {1, 256}) {
      for (bool gpu : {false, true}) {
        benchmark::RegisterBenchmark(
            ("BM_Score/backend:" + std::string(gpu ? "gpu" : "cpu") + "/" +
             shape_name(viewers, columns))
                .c_str(),
            [=](benchmark::State& s) { score_calls(s, gpu, viewers, columns); })
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond);
      }
      benchmark::RegisterBenchmark(
          ("BM_ScoreKernel/backend:gpu/" + shape_name(viewers, columns)).c_str(),
          [=](benchmark::State& s) { kernel_only(s, viewers, columns); })
          ->UseManualTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

}  // namespace
}  // namespace feedrank::benchmarks

int main(int argc, char** argv) {
  return feedrank::benchmarks::run_gpu_benchmark_program(argc, argv, "gpu_scoring_benchmark",
                                                         feedrank::benchmarks::register_all);
}
