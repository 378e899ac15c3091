// The subcommands of `feedrank`. Each add_*_command registers its flags on the root app and
// returns what to run when the user picked it.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace feedrank::cli {

struct GlobalOptions {
  std::string server = "127.0.0.1:50051";
};

struct Subcommand {
  CLI::App* app = nullptr;
  std::function<int()> run;  // returns the exit status
};

Subcommand add_generate_command(CLI::App& root);
Subcommand add_load_command(CLI::App& root, const GlobalOptions& global);
Subcommand add_load_lastfm_command(CLI::App& root, const GlobalOptions& global);
Subcommand add_feed_command(CLI::App& root, const GlobalOptions& global);
Subcommand add_nearest_command(CLI::App& root, const GlobalOptions& global);
Subcommand add_stats_command(CLI::App& root, const GlobalOptions& global);
Subcommand add_report_command(CLI::App& root, const GlobalOptions& global);
Subcommand add_reload_experiments_command(CLI::App& root, const GlobalOptions& global);
Subcommand add_train_command(CLI::App& root, const GlobalOptions& global);
Subcommand add_reembed_command(CLI::App& root, const GlobalOptions& global);
Subcommand add_simulate_command(CLI::App& root, const GlobalOptions& global);
// Run in process: need no server.
Subcommand add_replay_command(CLI::App& root);
Subcommand add_fit_ranker_command(CLI::App& root);

}  // namespace feedrank::cli
