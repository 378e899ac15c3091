// kill -9 of the real feedrank-server during a sustained Ingest stream, --cycles times on one data
// directory (tests/api/fault/kill_cycles.h): per cycle the kill point, what the restarted server
// holds against what was acknowledged, and the restart time. Exits 1 if anything acknowledged was
// lost or any chunk was half there. Run from the build tree:
//   build/benchmarks/fault/kill_cycles --cycles 20
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "CLI/CLI.hpp"
#include "fmt/format.h"
#include "tests/api/fault/kill_cycles.h"
#include "tests/support/temp_dir.h"

int main(int argc, char** argv) {
  using namespace feedrank::api_test;
  CLI::App app{"kill -9 cycles of feedrank-server during a sustained Ingest stream"};
  KillCycleOptions options;
  int max_kill_delay_ms = 1000;
  app.add_option("--cycles", options.cycles, "kill/restart cycles")->capture_default_str();
  app.add_option("--seed", options.seed, "seed of the kill points")->capture_default_str();
  app.add_option("--max-kill-delay-ms", max_kill_delay_ms,
                 "the kill comes 0..this after the cycle's first acknowledged stream")
      ->capture_default_str();
  app.add_option("--chunks-per-stream", options.chunks_per_stream)->capture_default_str();
  app.add_option("--posts-per-chunk", options.posts_per_chunk, "1..499")
      ->check(CLI::Range(1, 499))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  options.max_kill_delay = std::chrono::milliseconds(max_kill_delay_ms);
  feedrank::testing::TempDir scratch;
  options.scratch_dir = scratch.path();

  fmt::print("| cycle | kill after ms | mid-stream | acknowledged chunks (total) | unacknowledged "
             "whole / absent | restart ms | check ms | problems |\n|---|---|---|---|---|---|---|---|\n");
  std::fflush(stdout);
  const KillCycleReport report = run_kill_cycles(options, [](const CycleReport& c) {
    fmt::print("| {} | {} | {} | {} | {} / {} | {:.0f} | {:.0f} | {} |\n", c.cycle, c.kill_delay_ms,
               c.killed_mid_stream ? "yes" : "no", c.acknowledged_total, c.unacknowledged_present,
               c.unacknowledged_absent, c.restart_ms, c.check_ms,
               c.problems.empty() ? "none" : c.problems.front());
    std::fflush(stdout);
  });
  if (!report.error.empty()) {
    fmt::print(stderr, "kill_cycles: {}\n", report.error);
    return 2;
  }
  std::vector<double> restarts;
  std::size_t problems = 0, mid_stream = 0, whole = 0, absent = 0;
  for (const CycleReport& c : report.cycles) {
    restarts.push_back(c.restart_ms);
    problems += c.problems.size();
    mid_stream += c.killed_mid_stream;
    whole += c.unacknowledged_present;
    absent += c.unacknowledged_absent;
  }
  std::sort(restarts.begin(), restarts.end());
  const auto acknowledged = report.cycles.empty() ? 0 : report.cycles.back().acknowledged_total;
  fmt::print(
      "\n{} cycles ({} killed mid-stream); {} chunks acknowledged, all present; unacknowledged: "
      "{} whole, {} absent; problems (lost or half-there chunks, count mismatches): {}; restart "
      "ms min / median / max: {:.0f} / {:.0f} / {:.0f}\n",
      report.cycles.size(), mid_stream, acknowledged, whole, absent, problems,
      restarts.empty() ? 0 : restarts.front(), restarts.empty() ? 0 : restarts[restarts.size() / 2],
      restarts.empty() ? 0 : restarts.back());
  return problems == 0 ? 0 : 1;
}
