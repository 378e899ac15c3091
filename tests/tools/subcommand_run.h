// Runs one `feedrank` subcommand in process, as the CLI's main does: the arguments after the
// program name parsed into the subcommand `add` registers, then its exit status.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "tools/cli/commands.h"

namespace feedrank::testing {

inline int run_subcommand(cli::Subcommand (*add)(CLI::App&), std::vector<std::string> args) {
  CLI::App app;
  const cli::Subcommand command = add(app);
  args.insert(args.begin(), "feedrank");
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  app.parse(static_cast<int>(argv.size()), argv.data());
  return command.run();
}

}  // namespace feedrank::testing
