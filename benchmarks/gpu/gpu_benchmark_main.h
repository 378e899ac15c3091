// main() of a GPU benchmark program that also has CPU cases: says once why the GPU cases are
// skipped when no GPU is usable, registers every case and runs the selected ones.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "kernels/compute_backend.h"

namespace feedrank::benchmarks {

inline int run_gpu_benchmark_program(int argc, char** argv, const char* program,
                                     void (*register_all)()) {
  benchmark::Initialize(&argc, argv);
  std::string why;
  if (kernels::usable_gpu_count(&why) == 0) {
    std::printf("%s: GPU cases skipped: no usable GPU: %s\n", program, why.c_str());
  }
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace feedrank::benchmarks
