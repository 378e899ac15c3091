// A replay of the real Last.fm data set (../shared/data/lastfm-2k) with 200 viewers; skipped with
// a message where the folder is absent.
#include <gtest/gtest.h>

#include <filesystem>

#include "tools/replay/replay_runner.h"

namespace feedrank::replay {
namespace {

const ListScores* row_named(const ReplayReport& report, const std::string& name) {
  for (const ListScores& row : report.rows) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

// With the loader's own mapping (each later tag likes the newest 3 earlier posts): fast.
TEST(ReplayLastfm, ReplaysTheRealDataAndTheChronologicalFeedBeatsRandom) {
  const std::filesystem::path dir = std::filesystem::path(FEEDRANK_SHARED_DATA_DIR) / "lastfm-2k";
  if (!std::filesystem::exists(dir / "user_taggedartists.dat")) {
    GTEST_SKIP() << "Last.fm data set not found at " << dir << "; skipping";
  }
  ReplayOptions options;
  options.source.lastfm_dir = dir;
  options.source.lastfm_likes_per_artist = 3;
  options.max_viewers = 200;
  auto report = run_replay(options);
  ASSERT_TRUE(report.ok()) << report.status();
  // Every user is history, and every friendship row dated before the 0.8 quantile cut (the later
  // of the two users' first tags); 448 users engage after the cut.
  EXPECT_EQ(report->counts.users, 1892u);
  EXPECT_EQ(report->counts.follows + report->counts.follows_after_cut, 25434u);
  EXPECT_GT(report->counts.follows_after_cut, 0u);
  EXPECT_GT(report->counts.follows, report->counts.follows_after_cut);
  EXPECT_EQ(report->counts.dropped, 0u);
  EXPECT_GT(report->viewers_eligible, 200u);
  EXPECT_EQ(report->viewers_judged, 200u);
  for (const ListScores& row : report->rows) {
    if (!row.unavailable.empty()) continue;  // the algorithmic mode, before it lands
    EXPECT_EQ(row.viewers, 200u) << row.name;
    EXPECT_GE(row.ndcg_at_10, 0.0) << row.name;
    EXPECT_LE(row.recall_at_k, 1.0) << row.name;
  }
  const ListScores* chronological = row_named(*report, "chronological");
  const ListScores* random = row_named(*report, "random");
  ASSERT_NE(chronological, nullptr);
  ASSERT_NE(random, nullptr);
  ASSERT_TRUE(chronological->unavailable.empty()) << chronological->unavailable;
  // Friends' recent posts are what Last.fm users go on to tag: several times random's NDCG.
  EXPECT_GT(chronological->ndcg_at_10, 3 * random->ndcg_at_10);
  EXPECT_GT(chronological->recall_at_k, 3 * random->recall_at_k);
}

}  // namespace
}  // namespace feedrank::replay
