// What a replay found: where the data came from, where it was cut, what was loaded, who was
// judged, and one row of scores per kind of list. The renderers (report_*.h) read only this.
#pragma once

#include <string>
#include <vector>

#include "tools/replay/corpus_cut.h"
#include "tools/replay/list_scores.h"
#include "tools/replay/replay_options.h"

namespace feedrank::replay {

struct ReplayTimings {
  double load_seconds = 0;     // reading or generating the records
  double history_seconds = 0;  // cutting and writing the history into the engine(s)
  double training_seconds = 0;  // learned models, all spaces
  double lists_seconds = 0;    // making and scoring every list
  double total_seconds = 0;
};

struct ReplayReport {
  std::string source;  // the data, in words
  std::size_t records_loaded = 0;
  TimestampMs cut = 0;
  std::string cut_rule;  // how the cut was chosen, in words
  CutCounts counts;
  std::size_t live_posts = 0;        // before the cut: the catalogue of the coverage metric
  std::size_t viewers_eligible = 0;  // existing before the cut, with ground truth
  std::size_t viewers_judged = 0;
  double mean_truth_size = 0;  // over the judged viewers
  ReplayOptions options;
  std::string ranking_config_version;  // the engine's, for the algorithmic feed
  std::vector<ListScores> rows;        // chronological, algorithmic, then the baselines
  // One line per learned model the replay trained ("learned: v1, 1,892 users, ...").
  std::vector<std::string> learned_models;
  // One line per compared config ("algorithmic [fitted]: ranking config v, fitted on ...").
  std::vector<std::string> compared_configs;
  ReplayTimings timings;
};

}  // namespace feedrank::replay
