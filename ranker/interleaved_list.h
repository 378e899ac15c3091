// The interleaved feed's ranked list: two lists (chronological or algorithmic, one per team)
// merged by team-draft interleaving (experiments/team_draft.h), each entry tagged with its team.
// Built once for the first page and kept behind the cursor like an algorithmic list, so that
// pages never repeat and credits never change.
#pragma once

#include <cstdint>
#include <span>

#include "ranker/pipeline/algorithmic_pipeline.h"

namespace feedrank::ranker {

// A chronological page as a ranked list (score 1 for every entry, as the chronological feed).
RankedList chronological_list(UserId viewer, std::span<const FeedItem> items);

// Interleaves team A's and team B's lists; `seed` drives the draft's coins. Stats: the backend of
// the algorithmic team (team B's when both are), both versions in stats.config_version, both
// teams' candidate and removed counts and times added up, and both teams' degraded lines, each
// prefixed "team A: " or "team B: ".
RankedList interleave_lists(RankedList a, RankedList b, std::uint64_t seed);

}  // namespace feedrank::ranker
