// `feedrank simulate`: synthetic traffic against a running server, to see its experiments work
// end to end. Builds a world (world.h), loads its history (history_loader.h), runs the rounds
// (round_driver.h) and fetches the report of every experiment the server served under.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "feedrank/v1/feedrank.pb.h"
#include "tools/simulate/engagement_model.h"
#include "tools/simulate/round_driver.h"
#include "tools/simulate/world.h"

namespace feedrank::simulate {

struct SimulationOptions {
  std::string server = "127.0.0.1:50051";
  WorldOptions world;  // start_ms 0: default_start_ms(now)
  EngagementModel engagement;
  std::uint32_t rounds = 3;
  std::uint32_t round_hours = 4;
  std::uint32_t page_size = 20;
  std::uint32_t concurrency = 8;
  std::string experiment;  // report this one; empty: every experiment a response named
  // Progress lines (phase, counts, seconds); null: none.
  std::function<void(std::string_view line)> progress;
};

struct SimulationResult {
  WorldOptions world;  // as run (start_ms resolved)
  v1::IngestResponse history;
  std::vector<RoundStats> rounds;
  std::vector<v1::GetExperimentReportResponse> reports;
};

// Two days before `now_ms`, down to the hour: leaves the rounds room before the present.
std::int64_t default_start_ms(std::int64_t now_ms);

// INVALID_ARGUMENT naming the flag for options that cannot run (simulated time must stay at or
// before `now_ms`: the server refuses engagements dated far ahead of its clock, and a simulation
// must not look like the future); otherwise the first failed call, named, with the server's code.
absl::StatusOr<SimulationResult> run_simulation(const SimulationOptions& options,
                                                std::int64_t now_ms);

}  // namespace feedrank::simulate
