// The replay's baselines on a tiny handcrafted data set, against lists derived by hand.
//
// Posts (created at): 101..103 by 5 (100, 200, 300), 104 by 4 (400), 105 by 4 followers-only
// (500), 106 by 1 (600). Viewer 3 follows 4; nobody else follows anyone. Engagements before the
// cut at 1000 (time):
//   user 1: 101 (150), 102 (250)
//   user 2: 101 (160), 102 (700), 103 (800), 105 (850)
//   user 3: 101 (170), 104 (900)
//   user 4: 103 (450), 106 (650)
// All-time counts: 101:3, 102:2, 103:2, 104:1, 105:1, 106:1; in the last 500 (at >= 500):
// 102, 103, 104, 105, 106 one each, 101 none. Ties go to the newer post.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "tests/tools/replay_test_records.h"
#include "tools/replay/corpus_cut.h"
#include "tools/replay/list_builder.h"
#include "tools/replay/popularity_baselines.h"
#include "tools/replay/random_baseline.h"
#include "tools/replay/user_knn_baseline.h"

namespace feedrank::replay {
namespace {

using namespace feedrank::replay::testing;

using Posts = std::vector<PostId>;

PreCutState handcrafted_state() {
  std::vector<v1::IngestRecord> records = {user(1, 1), user(2, 1), user(3, 1),
                                           user(4, 1), user(5, 1), follow(3, 4)};
  for (const v1::IngestRecord& record :
       {post(101, 5, 100), post(102, 5, 200), post(103, 5, 300), post(104, 4, 400),
        post(105, 4, 500, /*followers_only=*/true), post(106, 1, 600)}) {
    records.push_back(record);
  }
  for (const v1::IngestRecord& record :
       {engage(1, 101, 150), engage(1, 102, 250), engage(2, 101, 160), engage(2, 102, 700),
        engage(2, 103, 800), engage(2, 105, 850), engage(3, 101, 170), engage(3, 104, 900),
        engage(4, 103, 450), engage(4, 106, 650)}) {
    records.push_back(record);
  }
  return cut_corpus(records, 1000).state;
}

class ReplayBaselines : public ::testing::Test {
 protected:
  const PreCutState state_ = handcrafted_state();
};

TEST_F(ReplayBaselines, PopularityOrdersByAllTimeCountThenNewer) {
  EXPECT_EQ(popularity_order(state_), (Posts{101, 103, 102, 106, 105, 104}));
}

TEST_F(ReplayBaselines, PopularityListsDropOwnEngagedAndInvisiblePostsPerViewer) {
  const GlobalOrderSource popularity("popularity", state_, popularity_order(state_));
  EXPECT_EQ(*popularity.list_for(1, 50), (Posts{103, 104}));            // 106 own; 105 not visible
  EXPECT_EQ(*popularity.list_for(3, 50), (Posts{103, 102, 106, 105}));  // follows 4: sees 105
  EXPECT_EQ(*popularity.list_for(5, 50), (Posts{106, 104}));            // 101..103 are 5's own
  EXPECT_EQ(*popularity.list_for(2, 2), (Posts{106, 104}));
  EXPECT_EQ(*popularity.list_for(4, 1), (Posts{101}));
}

TEST_F(ReplayBaselines, RecentPopularityOrdersByRecentCountThenAllTimeThenNewer) {
  EXPECT_EQ(*recent_popularity_order(state_, 500), (Posts{103, 102, 106, 105, 104, 101}));
  // A window holding everything is all-time popularity.
  EXPECT_EQ(*recent_popularity_order(state_, 1000), popularity_order(state_));
}

// A window with no engagement in it would order by the tie-break alone, all-time popularity,
// and show a copy of that row under another name: the row says why it has no values instead.
TEST_F(ReplayBaselines, RecentPopularityOfAnEmptyWindowIsUnavailableSayingWhy) {
  const auto order = recent_popularity_order(state_, 50);  // the last engagement is at 900
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(order.status().message().find("--recent-days"), std::string_view::npos);
  const GlobalOrderSource recent("recent popularity", state_, order);
  EXPECT_EQ(recent.list_for(1, 50).status(), order.status());
}

TEST_F(ReplayBaselines, UserKnnNeighboursByCosineOfEngagementSets) {
  const UserKnnSource knn(state_, 50);
  const std::vector<Neighbour> neighbours = knn.neighbours_of(1);
  // 1 = {101, 102}: 2 = {101, 102, 103, 105} shares 2 -> 2 / sqrt(2 * 4); 3 = {101, 104} shares 1
  // -> 1 / sqrt(2 * 2); 4 = {103, 106} shares none.
  ASSERT_EQ(neighbours.size(), 2u);
  EXPECT_EQ(neighbours[0].user, 2u);
  EXPECT_NEAR(neighbours[0].similarity, 2 / std::sqrt(8.0), 1e-12);
  EXPECT_EQ(neighbours[1].user, 3u);
  EXPECT_NEAR(neighbours[1].similarity, 0.5, 1e-12);
  EXPECT_TRUE(knn.neighbours_of(5).empty());  // no engagements
}

TEST_F(ReplayBaselines, UserKnnScoresPostsBySummedNeighbourSimilarity) {
  const UserKnnSource knn(state_, 50);
  // 101: 0.707 + 0.5; 102, 103, 105: 0.707 (newer first); 104: 0.5.
  EXPECT_EQ(knn.ranking_for(1), (Posts{101, 105, 103, 102, 104}));
  EXPECT_EQ(*knn.list_for(1, 50), (Posts{103, 104}));  // 101, 102 engaged; 105 not visible
  // One neighbour (user 2): 101, 102, 103, 105 tie at 0.707.
  const UserKnnSource nearest_only(state_, 1);
  EXPECT_EQ(nearest_only.ranking_for(1), (Posts{105, 103, 102, 101}));
  EXPECT_EQ(*nearest_only.list_for(1, 50), (Posts{103, 104}));  // 104 from popularity
}

// No engagements before the cut, no neighbours: the popularity list, not an empty one (which
// would flatter every other row on cold-start viewers).
TEST_F(ReplayBaselines, UserKnnGivesAViewerWithNoHistoryThePopularityList) {
  const UserKnnSource knn(state_, 50);
  const GlobalOrderSource popularity("popularity", state_, popularity_order(state_));
  ASSERT_TRUE(knn.ranking_for(5).empty());
  EXPECT_EQ(*knn.list_for(5, 50), (Posts{106, 104}));
  EXPECT_EQ(*knn.list_for(5, 50), *popularity.list_for(5, 50));
  EXPECT_EQ(*knn.list_for(5, 1), (Posts{106}));
}

TEST_F(ReplayBaselines, UserKnnFillsAShortListFromPopularityAfterTheNeighboursPosts) {
  // 3 = {101, 104}, nearest neighbour 1 = {101, 102}: 102 alone survives the rule. Popularity then
  // adds, in its order, 103, 106 and 105 (3 follows 4); 101 and 104 are engaged, 102 in already.
  const UserKnnSource nearest_only(state_, 1);
  EXPECT_EQ(*nearest_only.list_for(3, 50), (Posts{102, 103, 106, 105}));
  EXPECT_EQ(*nearest_only.list_for(3, 2), (Posts{102, 103}));  // the neighbours' posts first
  // With every neighbour (1 and 2): 102, 105, 103 from them, then 106.
  EXPECT_EQ(*UserKnnSource(state_, 50).list_for(3, 50), (Posts{102, 105, 103, 106}));
}

// Whatever counts as positive (here shares alone, of which there are none), the matrix holds every
// engagement, as the engine's history does, and any kind makes a post already engaged.
TEST(ReplayBaselinesKinds, UserKnnLearnsFromEveryKindWhateverCountsAsPositive) {
  const PreCutState state =
      cut_corpus({user(1, 1), user(2, 1), user(3, 1), post(10, 3, 10), post(11, 3, 20),
                  engage(1, 10, 100, v1::ENGAGEMENT_KIND_VIEW),
                  engage(2, 10, 110, v1::ENGAGEMENT_KIND_LIKE),
                  engage(2, 11, 120, v1::ENGAGEMENT_KIND_COMMENT)},
                 1000, PositiveKinds{{v1::ENGAGEMENT_KIND_SHARE}})
          .state;
  const UserKnnSource knn(state, 50);
  ASSERT_EQ(knn.neighbours_of(1).size(), 1u);
  EXPECT_EQ(knn.neighbours_of(1)[0].user, 2u);
  EXPECT_EQ(*knn.list_for(1, 50), (Posts{11}));  // 10, viewed, is already engaged
}

TEST_F(ReplayBaselines, RandomIsSeededAndKeepsOnlyWhatTheRuleKeeps) {
  const RandomSource random(state_, 1);
  const Posts list = *random.list_for(2, 50);
  EXPECT_EQ(*random.list_for(2, 50), list);  // deterministic
  // Everything viewer 2 may see and has not engaged with, each once: 104 and 106.
  EXPECT_EQ(std::set<PostId>(list.begin(), list.end()), (std::set<PostId>{104, 106}));
  EXPECT_EQ(list.size(), 2u);
  const Posts two = *random.list_for(4, 2);
  EXPECT_EQ(two.size(), 2u);
  for (PostId post : two) EXPECT_TRUE(keeps(state_, 4, post));
}

TEST_F(ReplayBaselines, RandomOrdersDifferBySeed) {
  // 200 posts by user 9: another seed or viewer draws another list of them.
  std::vector<v1::IngestRecord> records = {user(1, 1), user(2, 1), user(9, 1)};
  for (PostId id = 1; id <= 200; ++id) {
    records.push_back(post(id, 9, static_cast<std::int64_t>(id)));
  }
  const PreCutState state = cut_corpus(records, 1000).state;
  const Posts first = *RandomSource(state, 1).list_for(1, 50);
  EXPECT_EQ(first.size(), 50u);
  EXPECT_EQ(std::set<PostId>(first.begin(), first.end()).size(), 50u);
  EXPECT_NE(*RandomSource(state, 2).list_for(1, 50), first);
  EXPECT_NE(*RandomSource(state, 1).list_for(2, 50), first);  // and by viewer
}

}  // namespace
}  // namespace feedrank::replay
