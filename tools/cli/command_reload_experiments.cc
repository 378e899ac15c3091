// feedrank reload-experiments: the server re-reads its experiments config (as SIGHUP does).
#include <iostream>

#include "feedrank/v1/feedrank.grpc.pb.h"
#include "tools/cli/commands.h"
#include "tools/cli/grpc_client.h"

namespace feedrank::cli {

Subcommand add_reload_experiments_command(CLI::App& root, const GlobalOptions& global) {
  CLI::App* app = root.add_subcommand(
      "reload-experiments",
      "Make the server re-read its --experiments file; a bad file is refused and the old config "
      "stays");
  return {app, [&global] {
            return call_and_print(global.server, &v1::FeedRank::Stub::ReloadExperiments,
                                  v1::ReloadExperimentsRequest(),
                                  [](const v1::ReloadExperimentsResponse& response) {
                                    std::cout << "reloaded " << response.path() << ":";
                                    for (const std::string& id : response.experiments()) {
                                      std::cout << " " << id;
                                    }
                                    std::cout << "\n";
                                  });
          }};
}

}  // namespace feedrank::cli
