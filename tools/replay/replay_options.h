// What a replay reads, where it cuts and how it builds and judges the lists: everything
// `feedrank replay` takes on its command line, as plain data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ranker/scoring/ranking_config.h"
#include "ranker/vectors/vector_space.h"
#include "store/records.h"
#include "tools/datasets/synthetic_corpus.h"
#include "tools/replay/positive_kinds.h"

namespace feedrank::replay {

inline constexpr TimestampMs kDayMs = TimestampMs{24} * 60 * 60 * 1000;

// Exactly one of the three is set.
struct ReplaySource {
  std::optional<std::filesystem::path> jsonl_file;
  std::optional<std::filesystem::path> lastfm_dir;
  std::optional<datasets::SyntheticCorpusOptions> synthetic;
  // Last.fm: how many of the earlier posts about an artist a user's later tag of it likes (per
  // user and artist; datasets::LastfmOptions). 0, the default: all of them, as the data set's
  // README reads the data ("a later tag event by a viewer on an artist is an engagement with the
  // earlier posts about that artist"). `load-lastfm` keeps 3 (the newest three) to stay small;
  // with 3, only the newest post about an artist can be engaged with after a cut, so every
  // post-level popularity signal points at posts nobody engages with again (benchmarks/REPLAY.md).
  int lastfm_likes_per_artist = 0;
};

// A ranking config judged beside the engine's own, on the same history and viewers: one more
// algorithmic row, "algorithmic [label]" ("algorithmic (learned) [label]" in another space),
// served by the engine of `space` with this config in every request (as an experiment arm's
// config is served), so that two configs get a paired interval in one run.
struct ComparedConfig {
  std::string label;  // unique among the compared configs of its space
  std::shared_ptr<const ranker::RankingConfig> config;
  std::string origin;  // where it came from, for the report ("file x.json", "fitted on ...")
  ranker::VectorSpace space = ranker::VectorSpace::kText;  // one of ReplayOptions::vector_spaces
};

struct ReplayOptions {
  ReplaySource source;
  // The cut: a fixed time, or else this quantile of the engagement times.
  std::optional<TimestampMs> cut_ms;
  double cut_quantile = 0.8;
  int k = 50;                                 // list length judged (recall@k)
  int max_viewers = 2000;                     // judged viewers, sampled when more have ground truth
  std::uint64_t seed = 1;                     // viewer sample, random baseline, bootstrap
  TimestampMs recent_window_ms = 7 * kDayMs;  // recent popularity counts engagements this recent
  int knn_neighbours = 50;                    // user-kNN
  PositiveKinds positive_kinds;               // what the truth and "already engaged" count
  // The row every row's NDCG@10 is compared with, by name (reference_comparison.h).
  std::string reference_list = "chronological";
  // Passed to the engine's algorithmic feed (see replay_engine.cc); empty: its defaults.
  std::filesystem::path ranking_config;
  // One algorithmic row per vector space, each from its own engine (learned and hybrid train
  // their model on the history, as of the cut).
  std::vector<ranker::VectorSpace> vector_spaces = {ranker::VectorSpace::kText};
  // Rows after the vector spaces' algorithmic rows, in this order.
  std::vector<ComparedConfig> compared_configs;
};

}  // namespace feedrank::replay
