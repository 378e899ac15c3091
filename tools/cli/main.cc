// feedrank: command-line client for the FeedRank service, the synthetic corpus generator, the
// offline replay and the ranking-config fit.
#include <CLI/CLI.hpp>
#include <iostream>
#include <vector>

#include "tools/cli/commands.h"
#include "tools/cli/grpc_client.h"

int main(int argc, char** argv) {
  using namespace feedrank::cli;
  CLI::App app(
      "feedrank: load data into a FeedRank server and read feeds from it; replay feeds offline; "
      "fit the ranking config");
  app.require_subcommand(1);
  // Lets --server also come after the subcommand.
  app.fallthrough();
  GlobalOptions global;
  app.add_option("--server", global.server, "FeedRank server, HOST:PORT")->capture_default_str();
  feedrank::api::ClientTls tls;
  app.add_option("--tls-ca", tls.ca, "PEM CA bundle the server's certificate must chain to: TLS");
  app.add_option("--tls-cert", tls.cert, "PEM client certificate, for a server requiring one");
  app.add_option("--tls-key", tls.key, "PEM private key of --tls-cert");

  const std::vector<Subcommand> commands = {
      add_generate_command(app),
      add_load_command(app, global),
      add_load_lastfm_command(app, global),
      add_feed_command(app, global),
      add_nearest_command(app, global),
      add_stats_command(app, global),
      add_report_command(app, global),
      add_reload_experiments_command(app, global),
      add_train_command(app, global),
      add_reembed_command(app, global),
      add_simulate_command(app, global),
      add_replay_command(app),
      add_fit_ranker_command(app),
  };
  CLI11_PARSE(app, argc, argv);
  if (auto status = use_channel_security(tls); !status.ok()) {
    std::cerr << "feedrank: " << status.message() << "\n";
    return 1;
  }
  for (const Subcommand& command : commands) {
    if (command.app->parsed()) return command.run();
  }
  return 1;
}
