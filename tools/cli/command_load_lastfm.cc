// feedrank load-lastfm DIR: the Last.fm HetRec 2011 folder through the Ingest RPC.
#include <memory>

#include "tools/cli/commands.h"
#include "tools/cli/ingest_command.h"
#include "tools/datasets/lastfm_dataset.h"

namespace feedrank::cli {
namespace {

int run_load_lastfm(const std::string& server, const std::string& dir) {
  datasets::LastfmCounts counts;
  const auto produce = [&](IngestUploader& uploader) -> std::optional<std::string> {
    // The reader has no way to stop early; once the stream fails the remaining records are
    // dropped here, which is cheap next to reading the files.
    auto read = datasets::read_lastfm_dataset(
        dir, [&](const v1::IngestRecord& record) { uploader.add(record); });
    if (!read.ok()) return "error: " + std::string(read.status().message());
    counts = *read;
    return std::nullopt;
  };
  return run_ingest(server, produce, [&](std::ostream& out) {
    out << "skipped_rows: " << counts.skipped_rows << "\n";
  });
}

}  // namespace

Subcommand add_load_lastfm_command(CLI::App& root, const GlobalOptions& global) {
  auto dir = std::make_shared<std::string>();
  CLI::App* app = root.add_subcommand(
      "load-lastfm", "Stream the Last.fm HetRec 2011 (lastfm-2k) folder to the server");
  app->add_option("dir", *dir, "Folder holding user_friends.dat, user_taggedartists.dat, ...")
      ->required()
      ->check(CLI::ExistingDirectory);
  return {app, [&global, dir] { return run_load_lastfm(global.server, *dir); }};
}

}  // namespace feedrank::cli
