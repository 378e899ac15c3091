// CPU time a process has used (user + system, all its threads), from /proc: what a step's
// server and the load generator itself burn, so that a run reports CPU a call beside the
// throughput (on a shared machine the throughput moves with the neighbours; CPU a call less).
#pragma once

#include <optional>

namespace feedrank::load {

// Seconds of CPU used so far by process `pid` (0: this process); none when it cannot be read
// (no such process, no /proc).
std::optional<double> process_cpu_seconds(int pid);

}  // namespace feedrank::load
