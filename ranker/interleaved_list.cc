#include "ranker/interleaved_list.h"

#include <algorithm>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "ranker/experiments/team_draft.h"
#include "ranker/ranking_time.h"

namespace feedrank::ranker {
namespace {

std::vector<PostId> post_ids(const RankedList& list) {
  std::vector<PostId> ids;
  ids.reserve(list.entries.size());
  for (const RankedEntry& entry : list.entries) ids.push_back(entry.candidate.post);
  return ids;
}

std::string team_description(const RankedList& list) {
  return list.configs[0] ? list.configs[0]->version : std::string("chronological");
}

// Adds `other`'s candidates per source and removals per filter to `into`'s.
void add_counts(RankingStats& into, const RankingStats& other) {
  for (int i = 0; i < kCandidateSourceCount; ++i) into.candidates[i] += other.candidates[i];
  for (const auto& count : other.removed) {
    const auto same = std::find_if(into.removed.begin(), into.removed.end(),
                                   [&](const auto& mine) { return mine.first == count.first; });
    if (same != into.removed.end()) {
      same->second += count.second;
    } else {
      into.removed.push_back(count);
    }
  }
}

// Both teams' stats as one: the scorer and index of the leading (algorithmic) team, both teams'
// counts and times, and every degraded line, named by its team (either list may have lost a
// stage).
RankingStats both_teams_stats(RankingStats a, RankingStats b, bool b_leads) {
  std::vector<std::string> degraded;
  for (const std::string& line : a.degraded) degraded.push_back(fmt::format("team A: {}", line));
  for (const std::string& line : b.degraded) degraded.push_back(fmt::format("team B: {}", line));
  RankingStats& lead = b_leads ? b : a;
  const RankingStats& other = b_leads ? a : b;
  add_times(lead, other);
  add_counts(lead, other);
  lead.degraded = std::move(degraded);
  return std::move(lead);
}

}  // namespace

RankedList chronological_list(UserId viewer, std::span<const FeedItem> items) {
  RankedList list;
  list.viewer = viewer;
  list.entries.reserve(items.size());
  for (const FeedItem& item : items) {
    RankedEntry entry;
    entry.candidate.post = item.post;
    entry.candidate.author = item.author;
    entry.candidate.created_at = item.created_at;
    entry.candidate.source = item.source;
    entry.score = static_cast<float>(item.score);
    list.entries.push_back(entry);
  }
  return list;
}

RankedList interleave_lists(RankedList a, RankedList b, std::uint64_t seed) {
  const std::vector<PostId> a_ids = post_ids(a);
  const std::vector<PostId> b_ids = post_ids(b);
  const std::vector<DraftedItem> drafted =
      team_draft_interleave(a_ids, b_ids, seed, a_ids.size() + b_ids.size());

  RankedList merged;
  merged.viewer = a.viewer;
  merged.configs = {a.configs[0], b.configs[0]};
  const bool b_ranked = b.configs[0] != nullptr;
  merged.stats =
      both_teams_stats(std::move(a.stats), std::move(b.stats), b_ranked || a.configs[0] == nullptr);
  merged.stats.config_version =
      fmt::format("team A: {}, team B: {}", team_description(a), team_description(b));
  merged.entries.reserve(drafted.size());
  for (const DraftedItem& item : drafted) {
    const RankedList& from = item.team == InterleavingTeam::kA ? a : b;
    RankedEntry entry = from.entries[item.rank_in_team];
    entry.team = item.team;
    entry.team_credited = item.credited;
    merged.entries.push_back(std::move(entry));
  }
  return merged;
}

}  // namespace feedrank::ranker
