#include "tools/cli/data_source_flags.h"

#include <fstream>
#include <iostream>

namespace feedrank::cli {

CLI::Option_group* add_data_source_options(CLI::App& app, DataSourceFlags& flags,
                                           const std::string& what) {
  CLI::Option_group* input = app.add_option_group("input", what + ": exactly one of");
  input->add_option("--jsonl", flags.jsonl, "JSON Lines data file")->check(CLI::ExistingFile);
  CLI::Option* lastfm =
      input
          ->add_option("--lastfm", flags.lastfm,
                       "Last.fm HetRec 2011 folder (e.g. ../shared/data/lastfm-2k)")
          ->check(CLI::ExistingDirectory);
  input
      ->add_option("--synthetic", flags.synthetic,
                   "USERS,POSTS,SEED: the synthetic corpus (as generate makes it)")
      ->delimiter(',')
      ->expected(3);
  input->require_option(1);
  app.add_option("--lastfm-likes-per-artist", flags.lastfm_likes_per_artist,
                 "Last.fm: how many of the earlier posts about an artist a later tag of it likes, "
                 "per user and artist (0: all of them, as the data set's README reads it; "
                 "load-lastfm uses 3)")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str()
      ->needs(lastfm);  // refused with another input, not ignored
  return input;
}

replay::ReplaySource to_replay_source(const DataSourceFlags& flags) {
  replay::ReplaySource source;
  if (!flags.jsonl.empty()) source.jsonl_file = flags.jsonl;
  if (!flags.lastfm.empty()) source.lastfm_dir = flags.lastfm;
  if (flags.synthetic.size() == 3) {
    datasets::SyntheticCorpusOptions corpus;
    corpus.users = flags.synthetic[0];
    corpus.posts = flags.synthetic[1];
    corpus.seed = flags.synthetic[2];
    source.synthetic = corpus;
  }
  source.lastfm_likes_per_artist = flags.lastfm_likes_per_artist;
  return source;
}

bool write_text_file(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) std::cerr << "error: cannot write " << path << "\n";
  return static_cast<bool>(file);
}

}  // namespace feedrank::cli
