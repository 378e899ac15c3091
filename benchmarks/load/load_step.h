// One step of a load run (an open-loop rate or a closed-loop number of callers, with an
// optional background write stream), and what it measured.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "benchmarks/load/latency_histogram.h"
#include "benchmarks/load/load_plan.h"
#include "benchmarks/load/open_loop_pacer.h"

namespace feedrank::load {

// A stream of calls: open loop (calls at a rate, latency from their intended time) or closed
// loop (callers each with one call outstanding, the next sent when it returns).
struct StreamSpec {
  std::string label;  // "open 20000/s", "closed 32", "writes 1000/s"
  CallMix mix;
  bool open_loop = true;
  double rate_per_s = 0;  // open loop
  bool poisson = false;
  std::size_t max_outstanding = 4096;
  int callers = 0;  // closed loop
};

struct StepSpec {
  std::string name;
  std::vector<StreamSpec> streams;
  std::chrono::milliseconds warmup{5000};
  std::chrono::milliseconds measure{20000};
};

// Calls of one kind in one stream: latencies of the OK ones, and every outcome by status code
// (RESOURCE_EXHAUSTED refusals, DEADLINE_EXCEEDED, ... apart).
struct KindStats {
  LatencyHistogram ok_latency;
  std::map<int, std::uint64_t> codes;  // grpc::StatusCode -> calls
  std::uint64_t calls() const;
  std::uint64_t ok() const;
  void merge(const KindStats& other);
};

struct StreamResult {
  StreamSpec spec;
  std::array<KindStats, kCallKinds> kinds;
  PacerCounts pacing;  // open loop only
  void merge(const StreamResult& other);
};

// CPU seconds used during the measuring window, and the window's length as sampled (a sampler
// that wakes late reads a longer one than the step's nominal length).
struct StepCpu {
  std::optional<double> server_s;  // none: the server is not a process on this machine we know
  std::optional<double> load_generator_s;
  double window_s = 0;
};

struct StepResult {
  std::string name;
  double measured_s = 0;  // the measuring window (warm-up excluded)
  std::vector<StreamResult> streams;
  StepCpu cpu;
  // Calls of every stream and kind, whatever their outcome.
  std::uint64_t calls() const;
};

}  // namespace feedrank::load
