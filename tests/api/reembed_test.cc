// Reembed over a real channel: a waiting call answers once every text-derived vector carries
// today's IDF, GetStats reports the job, a caller's vector is kept, and a second pass finds
// nothing left to change.
#include <gmock/gmock.h>

#include <chrono>
#include <thread>

#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

constexpr int kDimension = 128;  // the test server's default

v1::ReembedRequest waiting(bool wait) {
  v1::ReembedRequest request;
  request.set_wait(wait);
  return request;
}

class ReembedApi : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ASSERT_THAT(client().upsert_users({user(1), user(2)}).status, IsOk());
    // Ten posts, then forty that repeat two of their words and so move the IDF; post 5 carries
    // its caller's vector.
    std::vector<v1::Post> first, later;
    for (std::uint64_t id = 1; id <= 10; ++id) {
      v1::Post p = post(id, 1 + id % 2, 1000 + static_cast<std::int64_t>(id));
      p.set_text("word" + std::to_string(id) + " gpu feed ranking");
      if (id == 5) {
        p.mutable_embedding()->Resize(kDimension, 0.0f);
        p.mutable_embedding()->Set(7, 1.0f);
      }
      first.push_back(std::move(p));
    }
    for (std::uint64_t id = 11; id <= 50; ++id) {
      v1::Post p = post(id, 1, 2000 + static_cast<std::int64_t>(id));
      p.set_text("gpu feed " + std::to_string(id));
      later.push_back(std::move(p));
    }
    ASSERT_THAT(client().create_posts(first).status, IsOk());
    ASSERT_THAT(client().create_posts(later).status, IsOk());
  }
};

TEST_F(ReembedApi, AWaitingCallAnswersWhenItEndedAndGetStatsReportsIt) {
  EXPECT_FALSE(client().stats().has_reembed()) << "none since start";
  const auto reply = client().call(waiting(true));
  ASSERT_THAT(reply.status, IsOk());
  const v1::ReembedProgress& done = reply.response.reembed();
  EXPECT_FALSE(done.running());
  EXPECT_EQ(done.rows_total(), 50u);
  EXPECT_EQ(done.rows_done(), 50u);
  EXPECT_EQ(done.vectors_changed(), 9u) << "the first batch but the caller's post";
  EXPECT_TRUE(done.error().empty());
  const v1::GetStatsResponse stats = client().stats();
  ASSERT_TRUE(stats.has_reembed());
  EXPECT_EQ(stats.reembed().vectors_changed(), 9u);
  EXPECT_EQ(stats.embedded_posts(), 50u) << "one vector per live post";

  // The caller's vector is still post 5's: the nearest post to it, with score 1.
  v1::GetNearestPostsRequest nearest;
  std::vector<float> axis(kDimension, 0.0f);
  axis[7] = 1.0f;
  nearest.mutable_embedding()->Assign(axis.begin(), axis.end());
  nearest.set_k(1);
  const auto found = client().call(nearest);
  ASSERT_THAT(found.status, IsOk());
  ASSERT_EQ(found.response.posts_size(), 1);
  EXPECT_EQ(found.response.posts(0).post_id(), 5u);
  EXPECT_NEAR(found.response.posts(0).score(), 1.0, 1e-6);

  const auto again = client().call(waiting(true));
  ASSERT_THAT(again.status, IsOk());
  EXPECT_EQ(again.response.reembed().vectors_changed(), 0u);
  EXPECT_GE(again.response.reembed().rows_total(), 50u);
}

TEST_F(ReembedApi, ACallThatDoesNotWaitAnswersAtOnceAndTheJobEnds) {
  const auto reply = client().call(waiting(false));
  ASSERT_THAT(reply.status, IsOk());
  EXPECT_EQ(reply.response.reembed().rows_total(), 50u);
  v1::ReembedProgress progress = reply.response.reembed();
  for (int i = 0; i < 500 && progress.running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    progress = client().stats().reembed();
  }
  EXPECT_FALSE(progress.running());
  EXPECT_EQ(progress.vectors_changed(), 9u);
}

}  // namespace
}  // namespace feedrank::api_test
