// Scores one kind of list over the judged viewers. The source's first error makes the whole row
// unavailable ("UNIMPLEMENTED: ..."), so a feed mode the engine cannot serve yet is reported
// rather than ending the replay.
#pragma once

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "tools/replay/list_scores.h"
#include "tools/replay/list_source.h"

namespace feedrank::replay {

// `truth` holds every viewer in `viewers`.
ListScores score_list_source(const ListSource& source, const PreCutState& state,
                             const absl::flat_hash_map<UserId, PostSet>& truth,
                             const std::vector<UserId>& viewers, int k);

}  // namespace feedrank::replay
