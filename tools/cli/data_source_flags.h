// The data set an offline command (replay, fit-ranker) reads: exactly one of --jsonl, --lastfm
// (with --lastfm-likes-per-artist) or --synthetic, parsed the same way for every command.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/replay/replay_options.h"

namespace feedrank::cli {

struct DataSourceFlags {
  std::string jsonl;
  std::string lastfm;
  int lastfm_likes_per_artist = 0;
  std::vector<std::uint64_t> synthetic;  // USERS,POSTS,SEED
};

// Adds the options; the returned group requires exactly one input, so a command can add an
// input of its own to it before parsing.
CLI::Option_group* add_data_source_options(CLI::App& app, DataSourceFlags& flags,
                                           const std::string& what);
replay::ReplaySource to_replay_source(const DataSourceFlags& flags);

// Writes `text` to `path`; false (after saying so on stderr) when it cannot.
bool write_text_file(const std::string& path, const std::string& text);

}  // namespace feedrank::cli
