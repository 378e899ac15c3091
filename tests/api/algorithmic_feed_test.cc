// GetFeed in FEED_MODE_ALGORITHMIC over real gRPC: items carry their sources and, with explain,
// terms that add up to the score; the response names the ranking config and backend; pages
// follow cursors without repeats; as_of_ms and muted authors are honoured.
#include <gmock/gmock.h>

#include <set>
#include <string>
#include <vector>

#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr std::int64_t kDay = 24LL * 60 * 60 * 1000;

class AlgorithmicFeedApi : public ApiTest {
 protected:
  // Viewer 1 follows 2 and posts too; users 2..8 post and 3..8 like posts 30..39; 1 likes 30.
  void SetUp() override {
    ApiTest::SetUp();
    std::vector<v1::User> users;
    for (std::uint64_t id = 1; id <= 8; ++id) users.push_back(user(id));
    ASSERT_THAT(client().upsert_users(users).status, IsOk());
    ASSERT_THAT(client().follow({edge(1, 2)}).status, IsOk());
    std::vector<v1::Post> posts;
    for (std::uint64_t id = 20; id < 60; ++id)
      posts.push_back(post(id, 2 + id % 7, id * kDay / 10));
    for (std::uint64_t id = 60; id < 64; ++id) posts.push_back(post(id, 1, (id - 30) * kDay / 10));
    ASSERT_THAT(client().create_posts(posts).status, IsOk());
    v1::RecordEngagementsRequest likes;
    for (std::uint64_t u = 3; u <= 8; ++u) {
      for (std::uint64_t p = 30; p < 40; ++p) *likes.add_engagements() = engagement(u, p);
    }
    *likes.add_engagements() = engagement(1, 30);
    ASSERT_THAT(client().call(likes).status, IsOk());
  }

  v1::GetFeedRequest request(int limit) {
    v1::GetFeedRequest r;
    r.set_user_id(1);
    r.set_mode(v1::FEED_MODE_ALGORITHMIC);
    r.set_limit(limit);
    r.set_as_of_ms(6 * kDay);
    return r;
  }

  // A first page of `limit` items with explain set.
  v1::GetFeedResponse explained_page(int limit) {
    v1::GetFeedRequest r = request(limit);
    r.set_explain(true);
    auto reply = client().call(r);
    EXPECT_THAT(reply.status, IsOk());
    return reply.response;
  }
};

TEST_F(AlgorithmicFeedApi, ExplainedItemsAddUpAndTheResponseNamesConfigBackendAndCounts) {
  const v1::GetFeedResponse feed = explained_page(10);
  ASSERT_EQ(feed.items_size(), 10);
  EXPECT_EQ(feed.ranking_config_version(), "default-2");
  EXPECT_THAT(feed.backend(), HasSubstr("scoring"));
  EXPECT_THAT(feed.degraded(), IsEmpty());
  EXPECT_GT(feed.candidate_counts_size(), 0);
  EXPECT_GT(feed.removed_counts_size(), 0);
  for (const v1::FeedItem& item : feed.items()) {
    EXPECT_NE(item.author_id(), 1u);
    EXPECT_NE(item.post_id(), 30u);  // already liked
    EXPECT_NE(item.source(), v1::CANDIDATE_SOURCE_UNSPECIFIED);
    double sum = 0;
    for (const v1::ScoreTerm& term : item.explanation()) sum += term.contribution();
    EXPECT_NEAR(sum, item.score(), 1e-4) << item.post_id();
  }
}

TEST_F(AlgorithmicFeedApi, ExplainTimesEveryStageAndEverySourceThatRan) {
  const v1::GetFeedResponse feed = explained_page(10);
  std::vector<std::string> stages;
  for (const v1::StageTime& time : feed.stage_times()) {
    stages.push_back(time.stage());
    EXPECT_GT(time.seconds(), 0.0) << time.stage();
    EXPECT_LT(time.seconds(), 60.0) << time.stage() << ": seconds, not nanoseconds";
  }
  EXPECT_THAT(stages,
              ElementsAre("vectors", "signals", "filters", "features", "scoring", "diversity"));
  ASSERT_GT(feed.candidate_counts_size(), 0);
  for (const v1::SourceCount& count : feed.candidate_counts()) {
    EXPECT_GT(count.seconds(), 0.0) << v1::CandidateSource_Name(count.source());
    EXPECT_LT(count.seconds(), 60.0) << v1::CandidateSource_Name(count.source());
  }

  v1::GetFeedRequest chronological = request(10);
  chronological.set_explain(true);
  chronological.set_mode(v1::FEED_MODE_CHRONOLOGICAL);
  auto plain = client().call(chronological);
  ASSERT_THAT(plain.status, IsOk());
  EXPECT_EQ(plain.response.stage_times_size(), 0) << "nothing was ranked";
}

TEST_F(AlgorithmicFeedApi, WithoutExplainItemsCarryNoTerms) {
  auto reply = client().call(request(5));
  ASSERT_THAT(reply.status, IsOk());
  ASSERT_GT(reply.response.items_size(), 0);
  for (const v1::FeedItem& item : reply.response.items()) EXPECT_EQ(item.explanation_size(), 0);
  EXPECT_EQ(reply.response.candidate_counts_size(), 0);
  EXPECT_EQ(reply.response.stage_times_size(), 0);
}

TEST_F(AlgorithmicFeedApi, PagesFollowCursorsWithoutRepeats) {
  v1::GetFeedRequest r = request(4);
  std::set<std::uint64_t> seen;
  for (int page = 0; page < 20; ++page) {
    auto reply = client().call(r);
    ASSERT_THAT(reply.status, IsOk());
    for (const v1::FeedItem& item : reply.response.items()) {
      EXPECT_TRUE(seen.insert(item.post_id()).second) << item.post_id();
    }
    if (reply.response.next_cursor().empty()) break;
    r.set_cursor(reply.response.next_cursor());
  }
  EXPECT_GT(seen.size(), 8u);
}

TEST_F(AlgorithmicFeedApi, AsOfServesNoLaterPostAndMutedAuthorsNeverAppear) {
  v1::GetFeedRequest r = request(100);
  r.set_as_of_ms(3 * kDay);
  r.add_muted_author_ids(2);
  auto reply = client().call(r);
  ASSERT_THAT(reply.status, IsOk());
  ASSERT_GT(reply.response.items_size(), 0);
  for (const v1::FeedItem& item : reply.response.items()) {
    EXPECT_LE(item.created_at_ms(), 3 * kDay);
    EXPECT_NE(item.author_id(), 2u);
  }
}

}  // namespace
}  // namespace feedrank::api_test
