// Crash (or clean stop) cycles of the real server during a sustained Ingest stream: a writer streams chunks
// back to back, the server is killed with SIGKILL at a random moment, restarted on the same data
// directory and checked against the IngestLedger, again and again. Shared by the CTest test
// (a few cycles) and benchmarks/fault/kill_cycles (many, with timings).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace feedrank::api_test {

struct KillCycleOptions {
  std::filesystem::path scratch_dir;  // the data directory and the servers' stderr go here
  int cycles = 3;
  std::uint64_t seed = 1;
  int chunks_per_stream = 8;
  int posts_per_chunk = 8;
  // The kill comes this long (uniformly at random) after the writer's first acknowledged stream
  // of the cycle.
  std::chrono::milliseconds max_kill_delay{300};
  // SIGKILL: a crash. SIGTERM (or SIGINT): a clean stop, which must exit 0 within its grace.
  int stop_signal = 9;
  std::vector<std::string> server_args;  // e.g. {"--cpu-index", "hnsw"}
  // After each restart's check, wait (up to this long) for GetStats' index_lag to reach 0: the
  // background indexer catching up with what the replay brought. 0: do not wait.
  std::chrono::milliseconds index_catch_up_timeout{0};
};

struct CycleReport {
  int cycle = 0;
  std::int64_t kill_delay_ms = 0;
  bool killed_mid_stream = false;       // chunks were sent and not acknowledged at the kill
  std::string exit;                      // how the server ended: "signal 9", "exit code 0"
  std::uint64_t acknowledged_total = 0;  // chunks acknowledged in every cycle so far
  std::uint64_t unacknowledged_present = 0;
  std::uint64_t unacknowledged_absent = 0;
  double restart_ms = 0;                 // from spawning the server to "listening on"
  double check_ms = 0;
  std::uint64_t index_lag_at_kill = 0;  // GetStats just before the kill
  std::uint64_t index_lag_at_restart = 0;  // the first GetStats after it
  std::uint64_t posts_after_restart = 0;
  std::uint64_t indexed_after_restart = 0;  // background_indexed_rows once caught up
  double index_catch_up_ms = -1;        // -1: not waited for, or not caught up in time
  std::vector<std::string> problems;     // empty: nothing lost, nothing half there
};

struct KillCycleReport {
  std::vector<CycleReport> cycles;
  std::string error;  // a server that did not start, or a writer that never got an acknowledgement
};

// Runs the cycles; `on_cycle` (if set) sees each report as it is made.
KillCycleReport run_kill_cycles(const KillCycleOptions& options,
                                const std::function<void(const CycleReport&)>& on_cycle = {});

}  // namespace feedrank::api_test
