// Learned embeddings over real gRPC (--vector-space learned | hybrid | text): Train retrains
// the model and swaps it in, GetStats reports the model and the training, the algorithmic feed
// scores with it, the model file in the data directory survives a restart, and the text space
// refuses to train.
#include <gmock/gmock.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::AllOf;
using ::testing::Gt;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Le;
using ::testing::Not;

constexpr std::uint64_t kUsers = 40;
constexpr std::uint64_t kPosts = 240;
constexpr std::uint64_t kTopics = 4;
constexpr std::int64_t kMinute = 60'000;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A small world with structure for ALS to find: post p is on topic p % 4, user u likes posts of
// topic u % 4 (and views a few others); everyone follows the next user. All of it within the
// last days, so that the feed's age limits keep it.
void write_world(TestClient& client) {
  const std::int64_t start = now_ms() - 3 * 24 * 60 * kMinute;
  std::vector<v1::User> users;
  std::vector<v1::FollowEdge> follows;
  for (std::uint64_t id = 1; id <= kUsers; ++id) {
    users.push_back(user(id));
    follows.push_back(edge(id, id % kUsers + 1));
  }
  ASSERT_THAT(client.upsert_users(users).status, IsOk());
  ASSERT_THAT(client.follow(follows).status, IsOk());
  std::vector<v1::Post> posts;
  for (std::uint64_t id = 1; id <= kPosts; ++id) {
    v1::Post p = post(id, 1 + id * 7 % kUsers, start + static_cast<std::int64_t>(id) * kMinute);
    p.set_text("topic" + std::to_string(id % kTopics) + " post " + std::to_string(id));
    posts.push_back(std::move(p));
  }
  ASSERT_THAT(client.create_posts(posts).status, IsOk());
  std::vector<v1::Engagement> engagements;
  for (std::uint64_t u = 1; u <= kUsers; ++u) {
    const std::int64_t at = start + static_cast<std::int64_t>(kPosts + u) * kMinute;
    for (std::uint64_t i = 0; i < 8; ++i) {
      const std::uint64_t liked = (u * 5 + i * 3) % (kPosts / kTopics) * kTopics + u % kTopics;
      if (liked >= 1) engagements.push_back(engagement(u, liked, v1::ENGAGEMENT_KIND_LIKE, at));
    }
    engagements.push_back(engagement(u, (u * 11) % kPosts + 1, v1::ENGAGEMENT_KIND_VIEW, at));
  }
  ASSERT_THAT(client.record_engagements(engagements).status, IsOk());
}

v1::GetFeedRequest algorithmic_feed(std::uint64_t viewer) {
  v1::GetFeedRequest request;
  request.set_user_id(viewer);
  request.set_mode(v1::FEED_MODE_ALGORITHMIC);
  request.set_limit(20);
  request.set_explain(true);
  return request;
}

// The largest |value| of the learned_score feature over a page's items.
double largest_learned_score(const v1::GetFeedResponse& page) {
  double largest = 0;
  for (const v1::FeedItem& item : page.items()) {
    for (const v1::ScoreTerm& term : item.explanation()) {
      if (term.name() == "learned_score") largest = std::max(largest, std::abs(term.value()));
    }
  }
  return largest;
}

class LearnedSpaceApi : public ApiTest {
 protected:
  void configure(api::ServerOptions& options) override {
    options.embedding_dimension = 32;
    options.algorithmic.vector_space = space_;
    // The tests train when they choose (the default trains at start when no model is saved).
    options.algorithmic.train_at_start = train_at_start_;
    options.train_every = train_every_;
  }

  ranker::VectorSpace space_ = ranker::VectorSpace::kLearned;
  bool train_at_start_ = false;
  std::chrono::milliseconds train_every_{0};
};

TEST_F(LearnedSpaceApi, TrainWithWaitServesVersionOneThenTwo) {
  const v1::GetStatsResponse before = client().stats();
  EXPECT_EQ(before.vector_space(), "learned");
  ASSERT_TRUE(before.has_learned());
  EXPECT_FALSE(before.learned().has_model());
  EXPECT_EQ(before.learned().training().phase(), "");
  EXPECT_THAT(before.learned().training_backend(), Not(IsEmpty()));
  write_world(client());

  auto first = client().train(/*wait=*/true);
  ASSERT_THAT(first.status, IsOk());
  const v1::LearnedModelInfo& model = first.response.learned().model();
  EXPECT_EQ(model.version(), 1u);
  EXPECT_EQ(model.users(), kUsers);
  EXPECT_THAT(model.posts(), AllOf(Gt(0u), Le(kPosts)));
  EXPECT_THAT(model.engagement_pairs(), Gt(model.users()));
  EXPECT_THAT(model.iterations(), Gt(0u));
  EXPECT_THAT(model.trained_at_ms(), Gt(0));
  EXPECT_THAT(model.trained_through(), Gt(0u));
  EXPECT_THAT(model.backend(), Not(IsEmpty()));
  EXPECT_FALSE(first.response.learned().training().running());
  EXPECT_EQ(first.response.learned().training().phase(), "done");
  EXPECT_EQ(first.response.learned().training().finished(), 1u);

  const v1::GetStatsResponse stats = client().stats();
  EXPECT_EQ(stats.vector_space(), "learned");
  EXPECT_EQ(stats.learned().model().version(), 1u);
  EXPECT_EQ(stats.learned().model().users(), kUsers);
  EXPECT_THAT(stats.learned().index(), Not(IsEmpty()));
  EXPECT_EQ(stats.learned().index_lag(), 0u);
  EXPECT_EQ(stats.learned().training().max_iterations(), 15u);  // --train-iterations' default

  // The feed scores with the model: viewers who engaged get a non-zero learned score.
  auto page = client().call(algorithmic_feed(3));
  ASSERT_THAT(page.status, IsOk());
  EXPECT_THAT(page.response.items_size(), Gt(0));
  EXPECT_THAT(largest_learned_score(page.response), Gt(0.0));

  auto second = client().train(/*wait=*/true);
  ASSERT_THAT(second.status, IsOk());
  EXPECT_EQ(second.response.learned().model().version(), 2u);
  EXPECT_EQ(second.response.learned().training().finished(), 2u);
  EXPECT_EQ(client().stats().learned().model().version(), 2u);
}

// Nothing to train on yet is the caller's to retry later, not a server fault.
TEST_F(LearnedSpaceApi, TrainWithWaitOnAnEmptyStoreIsFailedPrecondition) {
  EXPECT_THAT(client().train(/*wait=*/true).status,
              StatusIs(grpc::FAILED_PRECONDITION, HasSubstr("no engagements to train on")));
  EXPECT_FALSE(client().stats().learned().has_model());
}

TEST_F(LearnedSpaceApi, TrainWithoutWaitAnswersAtOnceAndTheModelFollows) {
  write_world(client());
  auto started = client().train(/*wait=*/false);
  ASSERT_THAT(started.status, IsOk());
  // Started, not finished: no model yet unless the training already won the race.
  EXPECT_LE(started.response.learned().model().version(), 1u);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  v1::GetStatsResponse stats = client().stats();
  while (stats.learned().model().version() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stats = client().stats();
  }
  EXPECT_EQ(stats.learned().model().version(), 1u);
  EXPECT_EQ(stats.learned().model().users(), kUsers);
}

TEST_F(LearnedSpaceApi, TheModelFileIsReadBackAfterARestartWithoutTrainingAgain) {
  write_world(client());
  auto trained = client().train(/*wait=*/true);
  ASSERT_THAT(trained.status, IsOk());
  const v1::LearnedModelInfo model = trained.response.learned().model();
  EXPECT_TRUE(std::filesystem::exists(data_dir() / "learned-model"));

  train_at_start_ = true;  // would train, were there no saved model
  restart_server();
  const v1::GetStatsResponse stats = client().stats();
  EXPECT_EQ(stats.learned().model().version(), 1u);
  EXPECT_EQ(stats.learned().model().trained_at_ms(), model.trained_at_ms());
  EXPECT_EQ(stats.learned().model().trained_through(), model.trained_through());
  EXPECT_EQ(stats.learned().model().users(), model.users());
  EXPECT_EQ(stats.learned().model().posts(), model.posts());
  EXPECT_FALSE(stats.learned().training().running());
  EXPECT_EQ(stats.learned().training().phase(), "");
  EXPECT_EQ(stats.learned().training().finished(), 0u);
  auto page = client().call(algorithmic_feed(3));
  ASSERT_THAT(page.status, IsOk());
  EXPECT_THAT(largest_learned_score(page.response), Gt(0.0));

  // The next training continues the file's numbering.
  auto next = client().train(/*wait=*/true);
  ASSERT_THAT(next.status, IsOk());
  EXPECT_EQ(next.response.learned().model().version(), 2u);
}

class ScheduledTraining : public LearnedSpaceApi {
 protected:
  ScheduledTraining() { train_every_ = std::chrono::milliseconds(100); }
};

TEST_F(ScheduledTraining, RetrainsInTheBackgroundEveryInterval) {
  write_world(client());  // with nothing to train on, every scheduled run fails
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::uint64_t version = 0;
  while (version < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    version = client().stats().learned().model().version();
  }
  EXPECT_GE(version, 2u);
}

class HybridSpaceApi : public LearnedSpaceApi {
 protected:
  HybridSpaceApi() { space_ = ranker::VectorSpace::kHybrid; }
};

TEST_F(HybridSpaceApi, TrainsAndServesTheAlgorithmicFeed) {
  EXPECT_EQ(client().stats().vector_space(), "hybrid");
  write_world(client());
  auto trained = client().train(/*wait=*/true);
  ASSERT_THAT(trained.status, IsOk());
  EXPECT_EQ(trained.response.learned().model().version(), 1u);
  auto page = client().call(algorithmic_feed(5));
  ASSERT_THAT(page.status, IsOk());
  EXPECT_THAT(page.response.items_size(), Gt(0));
  EXPECT_THAT(largest_learned_score(page.response), Gt(0.0));
}

class TextSpaceApi : public ApiTest {};

TEST_F(TextSpaceApi, TrainIsRefusedNamingTheTextSpace) {
  for (const bool wait : {false, true}) {
    EXPECT_THAT(client().train(wait).status,
                StatusIs(grpc::FAILED_PRECONDITION, HasSubstr("vector space is text")));
  }
  const v1::GetStatsResponse stats = client().stats();
  EXPECT_EQ(stats.vector_space(), "text");
  EXPECT_FALSE(stats.has_learned());
}

}  // namespace
}  // namespace feedrank::api_test
