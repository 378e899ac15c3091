// The one order of scored candidates every scoring baseline uses, so that ties are broken the
// same way everywhere: by score, then a secondary score, then the newer post, then the smaller id.
#pragma once

#include <vector>

#include "tools/replay/pre_cut_state.h"

namespace feedrank::replay {

struct PostScore {
  PostId post = 0;
  double score = 0;
  double tie_score = 0;  // breaks ties of `score` (e.g. all-time count under recent popularity)
};

// Posts unknown to `state` sort as the oldest.
std::vector<PostId> best_first(std::vector<PostScore> scores, const PreCutState& state);

}  // namespace feedrank::replay
