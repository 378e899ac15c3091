// Learned embeddings over a store state: the confidence matrix (kind weights, decay, deleted and
// future posts), training that recovers planted interest groups, the fold-in against an exact
// solve of the user's normal equations, cold-start vectors, and the model file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "embeddings/learned/engagement_matrix.h"
#include "embeddings/learned/learned_model.h"
#include "tests/embeddings/planted_state.h"
#include "tests/kernels/als_reference.h"
#include "tests/support/temp_dir.h"

namespace feedrank::embeddings {
namespace {

using testing::kHour;
using testing::kPlantedDimension;
using testing::PlantedState;
constexpr int kDimension = kPlantedDimension;

LearnedModelOptions small_options() {
  LearnedModelOptions options;
  options.als.factors = kDimension;
  options.als.max_iterations = 15;
  return options;
}

absl::StatusOr<std::shared_ptr<const LearnedModel>> train(const kernels::AlsSolver& solver,
                                                         const PlantedState& planted,
                                                         TimestampMs now, std::uint64_t version) {
  const LearnedModelOptions options = small_options();
  return LearnedModel::train(
      solver, gather_training_input(planted.state, planted.text, now, options.weights), options,
      version);
}

float dot(std::span<const float> a, std::span<const float> b) {
  EXPECT_EQ(a.size(), b.size());
  if (a.size() != b.size()) return 0;
  float s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

TEST(EngagementMatrix, WeighsKindsDecaysAndSkipsDeletedAndFuturePosts) {
  PlantedState planted(0, 0, 1);
  planted.add_user(1);
  planted.add_user(2);
  planted.add_post(10, 1000, 0, 0);
  planted.add_post(11, 1000, 0, 0);
  planted.add_post(12, 1000, 0, 0);
  const TimestampMs now = 100 * kHour;
  EngagementWeights weights;
  weights.half_life_ms = 10 * kHour;
  weights.alpha = 2.0f;
  planted.engage(1, 10, EngagementKind::kLike, now);                  // 1.0
  planted.engage(1, 10, EngagementKind::kShare, now - 10 * kHour);    // 3.0 halved: 1.5
  planted.engage(1, 11, EngagementKind::kComment, now + kHour);       // after now: left out
  planted.engage(2, 12, EngagementKind::kLike, now);
  Post deleted;
  deleted.id = 12;
  deleted.author = 1000;
  planted.state.apply(store::StoredPost{deleted, true, 99});
  const EngagementMatrix m = build_engagement_matrix(planted.state, now, weights);
  ASSERT_EQ(m.users, std::vector<UserId>({1}));
  ASSERT_EQ(m.posts, std::vector<PostId>({10}));
  ASSERT_EQ(m.entries(), 1u);
  EXPECT_NEAR(m.by_user.confidences[0], 2.0f * 2.5f, 1e-5);
  EXPECT_EQ(m.by_post.rows, 1u);
  EXPECT_EQ(m.user_row(1), 0u);
  EXPECT_FALSE(m.user_row(2).has_value());
}

// Ages count back from the newest engagement: read 50 years later, old data weighs the same (and
// is not decayed to nothing).
TEST(EngagementMatrix, OldDataWeighsAsIfFresh) {
  PlantedState planted(0, 0, 1);
  planted.add_user(1);
  planted.add_post(10, 1000, 0, 0);
  planted.add_post(11, 1000, 0, 0);
  EngagementWeights weights;
  weights.half_life_ms = 10 * kHour;
  planted.engage(1, 10, EngagementKind::kLike, 100 * kHour);
  planted.engage(1, 11, EngagementKind::kLike, 90 * kHour);
  const TimestampMs fifty_years = 50LL * 365 * 24 * kHour;
  const EngagementMatrix then = build_engagement_matrix(planted.state, 100 * kHour, weights);
  const EngagementMatrix later = build_engagement_matrix(planted.state, fifty_years, weights);
  ASSERT_EQ(later.entries(), 2u);
  EXPECT_EQ(later.by_user.confidences, then.by_user.confidences);
  EXPECT_NEAR(later.by_user.confidences[1], 0.5f * later.by_user.confidences[0], 1e-6);
}

TEST(LearnedModel, RanksAUsersGroupAboveOtherGroups) {
  PlantedState planted(60, 120, 4);
  const auto solver = kernels::make_cpu_als_solver();
  auto model = train(*solver, planted, 300 * kHour, 1);
  ASSERT_TRUE(model.ok()) << model.status();
  const LearnedModelInfo& info = (*model)->info();
  EXPECT_EQ(info.version, 1u);
  EXPECT_EQ(info.users, 60u);
  EXPECT_GT(info.entries, 60u * 30 * 0.3);
  EXPECT_EQ((*model)->engagements_at_training(7), planted.state.engagements.by_user(7).size());
  EXPECT_EQ((*model)->engagements_at_training(1000), 0u);
  // Every user scores the average post of its own group above every other group's average.
  for (UserId u = 0; u < 60; ++u) {
    std::vector<double> by_group(4, 0.0);
    for (PostId p = 0; p < 120; ++p) {
      by_group[planted.group_of(p)] += dot((*model)->user_factor(u), (*model)->post_factor(p));
    }
    for (int g = 0; g < 4; ++g) {
      if (g != static_cast<int>(u % 4)) EXPECT_GT(by_group[u % 4], 2 * by_group[g]) << u;
    }
  }
}

// A user's new engagements fold in without a retrain: the result is the exact least-squares
// solution of that user's row against the fixed post factors, which is what a retrain's user
// half-step solves.
TEST(LearnedModel, FoldInEqualsTheUsersExactSolve) {
  PlantedState planted(40, 80, 4);
  const auto solver = kernels::make_cpu_als_solver();
  const TimestampMs now = 200 * kHour;
  auto model = train(*solver, planted, now, 1);
  ASSERT_TRUE(model.ok()) << model.status();
  // User 5 (group 1) now likes five group-2 posts.
  for (PostId p : {2, 6, 10, 14, 18}) planted.engage(5, p, EngagementKind::kLike, now);
  auto folded = (*model)->fold_in(*solver, planted.state, 5, now);
  ASSERT_TRUE(folded.ok()) << folded.status();

  std::vector<PostId> posts;
  std::vector<float> factors;
  for (PostId p = 0; p < 80; ++p) {
    const auto f = (*model)->post_factor(p);
    if (f.empty()) continue;
    posts.push_back(p);
    factors.insert(factors.end(), f.begin(), f.end());
  }
  const kernels::OwnedConfidenceRows exact_row = user_confidences(
      planted.state, 5, now, (*model)->options().weights, posts);
  const std::vector<double> want = kernels::testing::direct_solution(
      exact_row.view(), 0, factors, kDimension, small_options().als.regularization);
  for (int j = 0; j < kDimension; ++j) {
    EXPECT_NEAR((*folded)[j], want[j], 1e-3 * (1 + std::abs(want[j]))) << j;
  }
  // A new user whose engagements are all with posts the model has not seen: nothing to solve
  // against, no factor (the space then retrieves by text).
  planted.add_user(7000);
  planted.add_post(9000, 1001, 2, now);
  planted.engage(7000, 9000, EngagementKind::kLike, now);
  auto unseen = (*model)->fold_in(*solver, planted.state, 7000, now);
  ASSERT_TRUE(unseen.ok());
  EXPECT_EQ(*unseen, std::vector<float>(kDimension, 0.0f));
  // And the fold-in moved the user: group-2 posts now score above what they did.
  double before = 0, after = 0;
  for (PostId p = 2; p < 80; p += 4) {
    if ((*model)->post_factor(p).empty()) continue;
    before += dot((*model)->user_factor(5), (*model)->post_factor(p));
    after += dot(*folded, (*model)->post_factor(p));
  }
  EXPECT_GT(after, before + 1.0);
}

TEST(LearnedModel, ColdPostsTakeTheirAuthorsAndTextsDirection) {
  PlantedState planted(40, 80, 4, /*authors=*/4);  // author 1000 + g writes group g's posts
  const auto solver = kernels::make_cpu_als_solver();
  auto model = train(*solver, planted, 200 * kHour, 1);
  ASSERT_TRUE(model.ok()) << model.status();
  std::vector<float> group3_text(kDimension, 0.0f);
  group3_text[3] = 1.0f;
  // By text alone (an author the model has not seen), by author alone (no text), by both.
  const std::vector<std::vector<float>> cold = {
      (*model)->post_vector(9001, 77, group3_text),
      (*model)->post_vector(9002, 1003, {}),
      (*model)->post_vector(9003, 1003, group3_text)};
  for (const std::vector<float>& vector : cold) {
    // A group-3 user (3) scores it above a group-1 user (1).
    EXPECT_GT(dot((*model)->user_factor(3), vector), 2 * dot((*model)->user_factor(1), vector));
  }
  // Nothing known: zeros. A trained post: its factor.
  const std::vector<float> unknown = (*model)->post_vector(9004, 77, {});
  EXPECT_EQ(unknown, std::vector<float>(kDimension, 0.0f));
  const auto trained = (*model)->post_factor(7);
  EXPECT_EQ((*model)->post_vector(7, 1003, group3_text),
            std::vector<float>(trained.begin(), trained.end()));
}

TEST(LearnedModel, TheFileRoundTripsAndRefusesDamage) {
  PlantedState planted(20, 40, 2);
  const auto solver = kernels::make_cpu_als_solver();
  auto model = train(*solver, planted, 100 * kHour, 7);
  ASSERT_TRUE(model.ok());
  feedrank::testing::TempDir dir;
  const std::string path = (dir.path() / "model").string();
  ASSERT_TRUE((*model)->save(path).ok());
  auto loaded = LearnedModel::load(path, small_options());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->info().version, 7u);
  EXPECT_EQ((*loaded)->info().trained_through, (*model)->info().trained_through);
  for (UserId u = 0; u < 20; ++u) {
    const auto a = (*model)->user_factor(u), b = (*loaded)->user_factor(u);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
  }
  std::vector<float> text(kDimension, 0.0f);
  text[1] = 1.0f;
  EXPECT_EQ((*model)->post_vector(555, 1001, text), (*loaded)->post_vector(555, 1001, text));

  LearnedModelOptions other = small_options();
  other.als.factors = 16;
  EXPECT_EQ(LearnedModel::load(path, other).status().code(),
            absl::StatusCode::kFailedPrecondition);
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(100);
    file.put('\x7f');
  }
  EXPECT_EQ(LearnedModel::load(path, small_options()).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(LearnedModel::load(path + ".none", small_options()).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace feedrank::embeddings
