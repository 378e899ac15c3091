// feedrank load FILE: a JSON Lines file through the Ingest RPC.
#include <fstream>
#include <iostream>
#include <memory>

#include "tools/cli/commands.h"
#include "tools/cli/ingest_command.h"
#include "tools/cli/jsonl_upload.h"

namespace feedrank::cli {
namespace {

int run_load(const std::string& server, const std::string& path) {
  std::ifstream file;
  const bool from_stdin = path == "-";
  if (!from_stdin) {
    file.open(path, std::ios::binary);
    if (!file) {
      std::cerr << "error: cannot open " << path << "\n";
      return 1;
    }
  }
  std::istream& in = from_stdin ? std::cin : file;
  return run_ingest(server, [&](IngestUploader& uploader) { return upload_jsonl(in, uploader); });
}

}  // namespace

Subcommand add_load_command(CLI::App& root, const GlobalOptions& global) {
  auto path = std::make_shared<std::string>();
  CLI::App* app = root.add_subcommand(
      "load", "Stream a JSON Lines file to the server; stops at the first malformed line");
  app->add_option("file", *path, "JSON Lines file ('-' for stdin)")->required();
  return {app, [&global, path] { return run_load(global.server, *path); }};
}

}  // namespace feedrank::cli
