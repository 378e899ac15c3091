// Attribution of engagements to earlier impressions: the window, its edge, the latest impression,
// ties, other viewers, and inputs in any order.
#include "ranker/experiments/attribution.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace feedrank::ranker {
namespace {

using ::testing::ElementsAre;

constexpr TimestampMs kWindow = 1000;

store::Impression shown(UserId viewer, PostId post, TimestampMs served_at,
                        std::uint64_t request_id = 1) {
  store::Impression impression;
  impression.request_id = request_id;
  impression.viewer = viewer;
  impression.post = post;
  impression.served_at = served_at;
  return impression;
}

Engagement engaged(UserId user, PostId post, TimestampMs at) {
  return Engagement{user, post, EngagementKind::kLike, at};
}

// A timeline, deliberately out of order in both lists:
//   [0] viewer 1 sees post 10 at 5000      [2] viewer 2 sees post 10 at 4000
//   [1] viewer 1 sees post 10 at 2000      [3] viewer 1 sees post 20 at 3000
const std::vector<store::Impression> kTimeline = {shown(1, 10, 5000, 3), shown(1, 10, 2000, 1),
                                                  shown(2, 10, 4000, 2), shown(1, 20, 3000, 1)};

TEST(Attribution, EngagementBeforeItsImpressionIsUnattributed) {
  // Post 20 is shown to viewer 1 at 3000 only; a like at 2999 came first.
  const std::vector<Engagement> engagements = {engaged(1, 20, 2999)};
  EXPECT_THAT(attribute_engagements(kTimeline, engagements, kWindow), ElementsAre(kUnattributed));
}

TEST(Attribution, WindowEdgeCountsAndOneMillisecondPastDoesNot) {
  // 4000 - 3000 = 1000 = the window: credited to [3]; 4001 - 3000 = 1001: too late.
  const std::vector<Engagement> engagements = {engaged(1, 20, 4001), engaged(1, 20, 4000),
                                               engaged(1, 20, 3000)};
  EXPECT_THAT(attribute_engagements(kTimeline, engagements, kWindow),
              ElementsAre(kUnattributed, 3u, 3u));
}

TEST(Attribution, LatestImpressionBeforeTheEngagementWins) {
  // Viewer 1 saw post 10 at 2000 ([1]) and 5000 ([0]). At 5500 both precede: [0] is the later.
  // At 2500 only [1] precedes. At 4500 only [1] does, 2500 ms earlier: past the window, and the
  // later impression [0] does not count before it is served.
  const std::vector<Engagement> engagements = {engaged(1, 10, 5500), engaged(1, 10, 2500),
                                               engaged(1, 10, 4500)};
  EXPECT_THAT(attribute_engagements(kTimeline, engagements, kWindow),
              ElementsAre(0u, 1u, kUnattributed));
}

TEST(Attribution, AnotherViewersImpressionIsNotCredited) {
  // Viewer 2 saw post 10 at 4000 ([2]); viewer 1's like at 4500 is 2500 ms after their own
  // impression [1] and viewer 3 never saw it: both unattributed. Viewer 2's own like gets [2].
  const std::vector<Engagement> engagements = {engaged(1, 10, 4500), engaged(3, 10, 4500),
                                               engaged(2, 10, 4500)};
  EXPECT_THAT(attribute_engagements(kTimeline, engagements, kWindow),
              ElementsAre(kUnattributed, kUnattributed, 2u));
}

TEST(Attribution, TiesGoToTheLargerRequestThenTheLaterInput) {
  // Four impressions of post 10 to viewer 1 at the same time: requests 9, 7, 9 and 3. The larger
  // request (9) wins over the later inputs 7 and 3; of the two 9s the later input ([2]) wins.
  const std::vector<store::Impression> impressions = {shown(1, 10, 1000, 9), shown(1, 10, 1000, 7),
                                                      shown(1, 10, 1000, 9), shown(1, 10, 1000, 3)};
  const std::vector<Engagement> engagements = {engaged(1, 10, 1500)};
  EXPECT_THAT(attribute_engagements(impressions, engagements, kWindow), ElementsAre(2u));
}

TEST(Attribution, EmptyInputs) {
  EXPECT_TRUE(attribute_engagements({}, {}, kWindow).empty());
  const std::vector<Engagement> engagements = {engaged(1, 10, 1500)};
  EXPECT_THAT(attribute_engagements({}, engagements, kWindow), ElementsAre(kUnattributed));
}

}  // namespace
}  // namespace feedrank::ranker
