// One step of a load run (an open-loop rate or a closed-loop number of callers, with an
// optional background write stream), the steps feedrank-load's flags ask for, and what a step
// measured.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
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

// The flags that shape a run's steps, as given (feedrank-load's --loop, --rate, ...).
struct StepFlags {
  std::string loop = "open";    // or "closed"
  std::vector<double> rates{};  // --rate: none given is kDefaultRate
  std::vector<int> callers{};   // --callers: none given is kDefaultCallers
  bool poisson = false;
  std::size_t max_outstanding = 4096;
  std::string mix = "chrono=1";
  double write_rate = 0;
  std::string write_mix = "writes=1";
  double warmup_s = 5;
  double duration_s = 20;
};
inline constexpr double kDefaultRate = 1000;
inline constexpr int kDefaultCallers = 16;

// One step per rate (open loop) or caller count (closed loop), each with the write stream; an
// error naming the flag for values no step can run with.
absl::StatusOr<std::vector<StepSpec>> plan_steps(const StepFlags& flags);
// RecordEngagements calls pick posts 1..posts: an error naming --posts when a step sends them and
// there are none.
absl::Status check_posts(const std::vector<StepSpec>& steps, std::uint64_t posts);

// The outcome of a due open-loop call dropped at the outstanding cap, never sent: kept with the
// status codes as a client-side one, beside none of grpc::StatusCode's.
inline constexpr int kDroppedCode = -1;

// Calls of one kind in one stream: latencies of the OK ones, and every outcome by status code
// (RESOURCE_EXHAUSTED refusals, DEADLINE_EXCEEDED, ... apart; calls dropped as kDroppedCode).
struct KindStats {
  LatencyHistogram ok_latency;
  std::map<int, std::uint64_t> codes;  // grpc::StatusCode or kDroppedCode -> calls
  std::uint64_t calls() const;         // every outcome, dropped calls too
  std::uint64_t ok() const;
  std::uint64_t dropped() const;
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
  // Calls of every stream and kind that went to the server (dropped ones did not).
  std::uint64_t sent_calls() const;
};

}  // namespace feedrank::load
