#include "embeddings/user_vectors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace feedrank::embeddings {
namespace {

constexpr int kDim = 64;
constexpr TimestampMs kDay = 24LL * 60 * 60 * 1000;
constexpr TimestampMs kNow = 1'000 * kDay;

UserVectorModel make_model(UserVectorOptions options = {}) {
  options.dimension = kDim;
  auto model = UserVectorModel::create(options);
  EXPECT_TRUE(model.ok()) << model.status();
  return *std::move(model);
}

std::vector<float> random_unit(std::mt19937& rng) {
  std::normal_distribution<float> normal;
  std::vector<float> v(kDim);
  double sq = 0;
  for (float& x : v) {
    x = normal(rng);
    sq += x * x;
  }
  for (float& x : v) x /= static_cast<float>(std::sqrt(sq));
  return v;
}

double cosine(std::span<const float> a, std::span<const float> b) {
  double dot = 0, na = 0, nb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += double{a[i]} * b[i];
    na += double{a[i]} * a[i];
    nb += double{b[i]} * b[i];
  }
  return na == 0 || nb == 0 ? 0 : dot / std::sqrt(na * nb);
}

bool all_zero(std::span<const float> v) {
  return std::all_of(v.begin(), v.end(), [](float x) { return x == 0.0f; });
}

TEST(UserVectorModel, RejectsBadOptions) {
  UserVectorOptions bad_dimension;
  bad_dimension.dimension = 100;
  EXPECT_FALSE(UserVectorModel::create(bad_dimension).ok());
  UserVectorOptions bad_weight;
  bad_weight.kind_weights[1] = -1.0f;
  EXPECT_FALSE(UserVectorModel::create(bad_weight).ok());
  UserVectorOptions bad_half_life;
  bad_half_life.half_life_ms = 0;
  EXPECT_FALSE(UserVectorModel::create(bad_half_life).ok());
  UserVectorOptions bad_blend;
  bad_blend.followee_blend = 1.5f;
  EXPECT_FALSE(UserVectorModel::create(bad_blend).ok());
  EXPECT_TRUE(UserVectorModel::create(UserVectorOptions{}).ok());
}

TEST(UserVectorModel, UserWithNothingGetsZeros) {
  const UserVectorModel model = make_model();
  const std::vector<UserId> followees = {2, 3};
  EXPECT_TRUE(all_zero(model.user_vector(1, followees, kNow)));
  EXPECT_TRUE(all_zero(model.user_vector(1, {}, kNow)));
}

TEST(UserVectorModel, VectorMovesTowardWhatTheUserEngagesWith) {
  std::mt19937 rng(21);
  UserVectorModel model = make_model();
  for (int i = 0; i < 5; ++i) {
    model.record_engagement(1, EngagementKind::kLike, random_unit(rng), kNow - i * kDay);
  }
  const auto target = random_unit(rng);
  const auto before = model.user_vector(1, {}, kNow);
  model.record_engagement(1, EngagementKind::kLike, target, kNow);
  const auto after = model.user_vector(1, {}, kNow);
  EXPECT_GT(cosine(after, target), cosine(before, target) + 0.05);

  const UserVectorModel single = [&] {
    UserVectorModel m = make_model();
    m.record_engagement(7, EngagementKind::kComment, target, kNow);
    return m;
  }();
  EXPECT_NEAR(cosine(single.user_vector(7, {}, kNow), target), 1.0, 1e-5);
}

TEST(UserVectorModel, OutputIsUnitLength) {
  std::mt19937 rng(22);
  UserVectorModel model = make_model();
  model.record_engagement(1, EngagementKind::kShare, random_unit(rng), kNow);
  model.record_engagement(1, EngagementKind::kView, random_unit(rng), kNow);
  model.record_post(2, random_unit(rng), kNow);
  const std::vector<UserId> followees = {2};
  const auto v = model.user_vector(1, followees, kNow);
  double sq = 0;
  for (float x : v) sq += x * x;
  EXPECT_NEAR(sq, 1.0, 1e-5);
}

// Two orthogonal posts: the user vector's direction tells the relative weights apart, since
// normalised it is (w_a a + w_b b) / |...|, so w_a / w_b = cos(v, a) / cos(v, b).
double weight_ratio(const UserVectorModel& model, UserId user, std::span<const float> a,
                    std::span<const float> b, TimestampMs now) {
  const auto v = model.user_vector(user, {}, now);
  return cosine(v, a) / cosine(v, b);
}

std::pair<std::vector<float>, std::vector<float>> orthogonal_pair() {
  std::vector<float> a(kDim, 0.0f), b(kDim, 0.0f);
  a[0] = 1.0f;
  b[1] = 1.0f;
  return {a, b};
}

TEST(UserVectorModel, OneEngagementHalfALifeOlderHasHalfTheWeight) {
  UserVectorOptions options;
  options.half_life_ms = 7 * kDay;
  UserVectorModel model = make_model(options);
  const auto [a, b] = orthogonal_pair();
  model.record_engagement(1, EngagementKind::kLike, a, kNow - 7 * kDay);  // one half-life older
  model.record_engagement(1, EngagementKind::kLike, b, kNow);
  EXPECT_NEAR(weight_ratio(model, 1, a, b, kNow), 0.5, 1e-4);
  // Reading later does not change the relative weights: both decay alike.
  EXPECT_NEAR(weight_ratio(model, 1, a, b, kNow + 30 * kDay), 0.5, 1e-4);

  // Same pair, delivered out of order.
  UserVectorModel reordered = make_model(options);
  reordered.record_engagement(1, EngagementKind::kLike, b, kNow);
  reordered.record_engagement(1, EngagementKind::kLike, a, kNow - 7 * kDay);
  EXPECT_NEAR(weight_ratio(reordered, 1, a, b, kNow), 0.5, 1e-4);
}

TEST(UserVectorModel, HalfLifeIsConfigurable) {
  UserVectorOptions options;
  options.half_life_ms = 1 * kDay;
  UserVectorModel model = make_model(options);
  const auto [a, b] = orthogonal_pair();
  model.record_engagement(1, EngagementKind::kLike, a, kNow - 3 * kDay);
  model.record_engagement(1, EngagementKind::kLike, b, kNow);
  EXPECT_NEAR(weight_ratio(model, 1, a, b, kNow), std::exp2(-3.0), 1e-4);
}

TEST(UserVectorModel, KindWeightsApply) {
  UserVectorModel model = make_model();
  const auto [a, b] = orthogonal_pair();
  model.record_engagement(1, EngagementKind::kShare, a, kNow);
  model.record_engagement(1, EngagementKind::kView, b, kNow);
  const UserVectorOptions defaults;
  EXPECT_NEAR(weight_ratio(model, 1, a, b, kNow),
              defaults.kind_weights[3] / defaults.kind_weights[0], 1e-3);
  EXPECT_GT(weight_ratio(model, 1, a, b, kNow), 1.0) << "SHARE pulls harder than VIEW";
}

TEST(UserVectorModel, ZeroKindWeightIgnoresTheKind) {
  UserVectorOptions options;
  options.kind_weights[0] = 0.0f;
  UserVectorModel model = make_model(options);
  const auto [a, b] = orthogonal_pair();
  model.record_engagement(1, EngagementKind::kView, a, kNow);
  EXPECT_TRUE(all_zero(model.user_vector(1, {}, kNow)));
}

TEST(UserVectorModel, ColdStartUserWithFollowsGetsTheFolloweesDirection) {
  std::mt19937 rng(23);
  UserVectorModel model = make_model();
  // Followees post around a common topic; the new user has engaged with nothing.
  const auto topic = random_unit(rng);
  for (UserId author : {10, 11, 12}) {
    for (int i = 0; i < 4; ++i) {
      auto post = random_unit(rng);
      for (int j = 0; j < kDim; ++j) post[j] = 3.0f * topic[j] + post[j];
      model.record_post(author, post, kNow - i * kDay);
    }
  }
  model.record_post(99, random_unit(rng), kNow);  // not followed
  const std::vector<UserId> followees = {10, 11, 12};
  const auto v = model.user_vector(1, followees, kNow);
  EXPECT_FALSE(all_zero(v));
  EXPECT_GT(cosine(v, topic), 0.9);
}

TEST(UserVectorModel, FolloweesRecentPostsCountMore) {
  UserVectorModel model = make_model();
  const auto [a, b] = orthogonal_pair();
  model.record_post(10, a, kNow - 14 * kDay);  // two half-lives ago
  model.record_post(11, b, kNow);
  const std::vector<UserId> followees = {10, 11};
  const auto v = model.user_vector(1, followees, kNow);
  EXPECT_NEAR(cosine(v, a) / cosine(v, b), 0.25, 1e-4);
}

// Data sets are often years old: read at today's `now`, every followee sum decays far below
// float's range. The direction (and the blend) must come out as it did when the data was new.
TEST(UserVectorModel, ReadingYearsAfterTheLastEventGivesTheSameDirection) {
  UserVectorOptions options;
  options.followee_blend = 0.3f;
  UserVectorModel model = make_model(options);
  const auto [a, b] = orthogonal_pair();
  model.record_engagement(1, EngagementKind::kLike, a, kNow);
  model.record_post(10, b, kNow - 14 * kDay);
  model.record_post(11, a, kNow);
  const std::vector<UserId> followees = {10, 11};
  const auto fresh = model.user_vector(1, followees, kNow);
  const auto years_later = model.user_vector(1, followees, kNow + 3 * 365 * kDay);
  for (float x : years_later) ASSERT_TRUE(std::isfinite(x));
  EXPECT_NEAR(cosine(years_later, fresh), 1.0, 1e-5);
  // Only followees, as for a user who never engaged.
  const auto followees_only = model.user_vector(2, followees, kNow + 3 * 365 * kDay);
  EXPECT_NEAR(cosine(followees_only, b) / cosine(followees_only, a), 0.25, 1e-4);
}

TEST(UserVectorModel, BlendGivesTheFolloweesTheirConfiguredShare) {
  UserVectorOptions options;
  options.followee_blend = 0.3f;
  UserVectorModel model = make_model(options);
  const auto [a, b] = orthogonal_pair();
  model.record_engagement(1, EngagementKind::kLike, a, kNow);
  model.record_post(10, b, kNow);
  const std::vector<UserId> followees = {10};
  const auto v = model.user_vector(1, followees, kNow);
  EXPECT_NEAR(cosine(v, b) / cosine(v, a), 0.3 / 0.7, 1e-4);
}

TEST(UserVectorModel, SerializeRestoreRoundTripsBitIdentically) {
  std::mt19937 rng(24);
  UserVectorModel model = make_model();
  for (int i = 0; i < 20; ++i) {
    model.record_engagement(1, static_cast<EngagementKind>(i % 4), random_unit(rng),
                            kNow - (i * 7919) % (30 * kDay));
    model.record_post(1, random_unit(rng), kNow - i * 3600'000);
    model.record_post(2, random_unit(rng), kNow - i * 1800'000);
  }
  UserVectorModel restored = make_model();
  model.for_each_user([&](UserId user) {
    ASSERT_TRUE(restored.restore_user(user, model.serialize_user(user)).ok());
  });
  EXPECT_EQ(restored.user_count(), 2u);
  for (UserId user : {1, 2}) {
    EXPECT_EQ(restored.serialize_user(user), model.serialize_user(user));
  }
  const std::vector<UserId> followees = {2};
  const auto original_vector = model.user_vector(1, followees, kNow + kDay);
  const auto restored_vector = restored.user_vector(1, followees, kNow + kDay);
  ASSERT_EQ(original_vector.size(), restored_vector.size());
  for (std::size_t i = 0; i < original_vector.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint32_t>(original_vector[i]),
              std::bit_cast<std::uint32_t>(restored_vector[i]));
  }
  // Later updates continue identically too.
  const auto next = random_unit(rng);
  model.record_engagement(1, EngagementKind::kShare, next, kNow + kDay);
  restored.record_engagement(1, EngagementKind::kShare, next, kNow + kDay);
  EXPECT_EQ(restored.serialize_user(1), model.serialize_user(1));
}

TEST(UserVectorModel, RestoringAnEmptyStateForgetsTheUser) {
  std::mt19937 rng(25);
  UserVectorModel model = make_model();
  const std::string empty = model.serialize_user(5);
  model.record_engagement(5, EngagementKind::kLike, random_unit(rng), kNow);
  ASSERT_TRUE(model.restore_user(5, empty).ok());
  EXPECT_EQ(model.user_count(), 0u);
}

TEST(UserVectorModel, RestoreRejectsGarbageAndLeavesTheUserAlone) {
  std::mt19937 rng(26);
  UserVectorModel model = make_model();
  model.record_engagement(1, EngagementKind::kLike, random_unit(rng), kNow);
  const std::string good = model.serialize_user(1);

  std::vector<std::string> bad = {"", "garbage", good.substr(0, good.size() - 1), good + "x"};
  std::string wrong_version = good;
  wrong_version[4] = 9;
  bad.push_back(wrong_version);
  std::string wrong_presence = good;
  wrong_presence[9] = 2;
  bad.push_back(wrong_presence);
  std::string nan_component = good;
  const float nan = std::nanf("");
  std::memcpy(nan_component.data() + 9 + 1 + 16, &nan, sizeof(nan));
  bad.push_back(nan_component);
  for (const std::string& bytes : bad) {
    const absl::Status status = model.restore_user(1, bytes);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_EQ(model.serialize_user(1), good);
  }

  UserVectorOptions other;
  other.dimension = 128;
  UserVectorModel wider = *UserVectorModel::create(other);
  const absl::Status status = wider.restore_user(1, good);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("dimension"), std::string::npos) << status;
}

}  // namespace
}  // namespace feedrank::embeddings
