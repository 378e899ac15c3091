// A run's results as a Markdown table (per step, stream and RPC: calls, OK calls per second,
// p50/p90/p99/p99.9/max of the OK calls, the other outcomes by status code, calls dropped at the
// outstanding cap among them and their rows marked; per open-loop stream the intended and
// achieved rates, late and dropped calls; per step the CPU the server and the load generator
// used) and as JSON (--json FILE).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "benchmarks/load/load_step.h"
#include "nlohmann/json.hpp"

namespace feedrank::load {

void print_table(const std::vector<StepResult>& steps, std::ostream& out);
// `setup` (the command line, server, corpus, machine) is copied into the document as is.
nlohmann::json to_json(const std::vector<StepResult>& steps, const nlohmann::json& setup);

}  // namespace feedrank::load
