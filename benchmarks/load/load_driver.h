// Runs a step's streams on gRPC's asynchronous client API: each client thread owns a channel
// (its own connection) and a CompletionQueue, starts calls with PrepareAsync.../StartCall/Finish
// and takes completions from the queue, so one thread keeps thousands of calls in flight; a
// second thread of its own sends the open-loop calls at their intended times. Rates and callers
// are split evenly over the threads.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "benchmarks/load/load_step.h"
#include "benchmarks/load/request_factory.h"

namespace feedrank::load {

struct DriverOptions {
  std::chrono::milliseconds call_deadline{10000};
  std::chrono::milliseconds late_after{2};
  double follow_share = 0.3;  // feed pages whose cursor a viewer follows (CursorWalker)
  std::uint64_t seed = 1;
  int server_pid = 0;  // the server's process when it runs here: its CPU time is reported (0: none)
  // How long after the window the calls still in flight are waited for (none: call_deadline and
  // 5 s more); those left then are cancelled, and count as CANCELLED.
  std::optional<std::chrono::milliseconds> drain{};
};

// One channel per client thread, each on a connection of its own (a local subchannel pool:
// gRPC would otherwise share one connection between equal channels).
std::vector<std::shared_ptr<grpc::Channel>> open_load_channels(const std::string& target,
                                                               int threads);

// Runs the step: warm-up (calls sent then are not counted), the measuring window, then waits
// for the calls still in flight (each has call_deadline; see `drain`).
StepResult run_step(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                    const RequestFactory& requests, const StepSpec& step,
                    const DriverOptions& options);

}  // namespace feedrank::load
