// feedrank simulate: synthetic viewers with hidden tastes request feeds from a running server and
// like what suits them, round after round; then each experiment's report is summarised. The
// simulation itself is tools/simulate/; this file is its flags and output.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <new>
#include <stdexcept>

#include "tools/cli/commands.h"
#include "tools/cli/report_rendering.h"
#include "tools/simulate/simulation.h"
#include "tools/simulate/simulation_summary.h"

namespace feedrank::cli {
namespace {

struct SimulateOptions {
  simulate::SimulationOptions simulation;
  std::string report_html;
  bool json = false;
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// FILE for one report; FILE's stem + "-<experiment>" + its extension for each of several.
std::filesystem::path html_path(const std::string& path, const std::string& experiment,
                                bool several) {
  std::filesystem::path file(path);
  if (!several) return file;
  return file.parent_path() / (file.stem().string() + "-" + experiment + file.extension().string());
}

int write_pages(const std::string& path, const simulate::SimulationResult& result) {
  const bool several = result.reports.size() > 1;
  for (const v1::GetExperimentReportResponse& report : result.reports) {
    if (!write_report_html(html_path(path, report.experiment(), several), report)) return 1;
  }
  return 0;
}

// The world's bounds (world.h) keep its sizes sane, not within this machine's memory: a world
// too large for it is an error like any other, not a crash.
absl::Status out_of_memory() {
  return absl::ResourceExhaustedError(
      "out of memory: use fewer --viewers, --authors, --follows-per-viewer, --history-days, "
      "--history-likes or --posts-per-author-per-day");
}

absl::StatusOr<simulate::SimulationResult> simulate_within_memory(
    const simulate::SimulationOptions& options) {
  try {
    return simulate::run_simulation(options, now_ms());
  } catch (const std::bad_alloc&) {
    return out_of_memory();
  } catch (const std::length_error&) {
    return out_of_memory();
  }
}

int run_simulate(const std::string& server, SimulateOptions options) {
  options.simulation.server = server;
  options.simulation.progress = [](std::string_view line) { std::cerr << line << std::endl; };
  auto result = simulate_within_memory(options.simulation);
  if (!result.ok()) {
    std::cerr << "error: " << result.status().message() << "\n";
    return 1;
  }
  std::cout << (options.json ? simulate::summary_json(*result) : simulate::summary_text(*result));
  return options.report_html.empty() ? 0 : write_pages(options.report_html, *result);
}

}  // namespace

Subcommand add_simulate_command(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<SimulateOptions>();
  simulate::SimulationOptions& simulation = options->simulation;
  simulate::WorldOptions& world = simulation.world;
  CLI::App* app = root.add_subcommand(
      "simulate",
      "Simulate viewers with hidden tastes reading and liking their feeds for a few rounds, then "
      "summarise each experiment's report (start the server with --experiments)");
  const auto number = [&](const char* flag, auto& value, const char* help) {
    app->add_option(flag, value, help)->capture_default_str();
  };
  number("--viewers", world.viewers, "Viewers (they request feeds), at most 100,000,000");
  number("--authors", world.authors, "Authors (they post, each on one topic), at most 100,000,000");
  number("--topics", world.topics, "Topics, 2..12");
  number("--follows-per-viewer", world.follows_per_viewer,
         "Authors each viewer follows, chosen at random (not by taste)");
  number("--history-days", world.history_days,
         "Days of posts and likes before the start, at most 36,500");
  number("--posts-per-author-per-day", world.posts_per_author_per_day, "Posts per author per day");
  number("--history-likes", world.history_likes_per_viewer,
         "Likes of on-taste posts per viewer before the start (the ranking's signal)");
  number("--seed", world.seed, "Random seed: same seed, same world and same decisions");
  number("--id-base", world.id_base,
         "First user and post id (use a fresh one per run on a server that keeps its data)");
  app->add_option("--start-ms", world.start_ms,
                  "Simulated start, ms since the epoch (default: two days ago, on the hour); the "
                  "rounds must end before now");
  number("--rounds", simulation.rounds, "Rounds: new posts, one feed page per viewer, likes");
  number("--round-hours", simulation.round_hours, "Simulated hours per round");
  number("--page-size", simulation.page_size, "Items per feed page, 1..500");
  number("--concurrency", simulation.concurrency, "GetFeed calls in flight");
  number("--base", simulation.engagement.base,
         "Like probability: min(1, base * taste[topic] * (1 / (1 + position))^bias)");
  number("--bias", simulation.engagement.position_bias, "Position bias (0: none)");
  number("--organic", simulation.engagement.organic,
         "Chance per viewer and round of a like found outside the feed (unattributed)");
  app->add_option("--experiment", simulation.experiment,
                  "Report this experiment (default: every experiment the server served under)");
  app->add_option("--report-html", options->report_html,
                  "Also write the report as an HTML page (one per experiment: FILE-<id>.html when "
                  "there are several)");
  app->add_flag("--json", options->json, "Print one JSON object instead of the summary");
  return {app, [&global, options] { return run_simulate(global.server, *options); }};
}

}  // namespace feedrank::cli
