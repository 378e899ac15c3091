#include "ranker/scoring/ranking_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/support/temp_dir.h"

namespace feedrank::ranker {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr TimestampMs kHour = 60LL * 60 * 1000;

// Every field of `actual` equals `expected`'s (floats exactly).
void expect_same_config(const RankingConfig& actual, const RankingConfig& expected) {
  EXPECT_EQ(actual.version, expected.version);
  for (Feature f : all_features()) {
    EXPECT_EQ(actual.weights[static_cast<int>(f)], expected.weights[static_cast<int>(f)])
        << "weights." << feature_name(f);
  }
  for (int s = 0; s < kCandidateSourceCount; ++s) {
    EXPECT_EQ(actual.source_scales[s], expected.source_scales[s])
        << "source_scales." << source_name(static_cast<CandidateSource>(s));
  }
  EXPECT_EQ(actual.recency_half_life_ms, expected.recency_half_life_ms);
  EXPECT_EQ(actual.affinity_half_life_ms, expected.affinity_half_life_ms);
  EXPECT_EQ(actual.in_network_per_author, expected.in_network_per_author);
  EXPECT_EQ(actual.in_network_total, expected.in_network_total);
  EXPECT_EQ(actual.out_of_network_k, expected.out_of_network_k);
  EXPECT_EQ(actual.out_of_network_max_age_ms, expected.out_of_network_max_age_ms);
  EXPECT_EQ(actual.network_engagement_per_followee, expected.network_engagement_per_followee);
  EXPECT_EQ(actual.network_engagement_total, expected.network_engagement_total);
  EXPECT_EQ(actual.popular_total, expected.popular_total);
  EXPECT_EQ(actual.collaborative_history, expected.collaborative_history);
  EXPECT_EQ(actual.collaborative_neighbours, expected.collaborative_neighbours);
  EXPECT_EQ(actual.collaborative_total, expected.collaborative_total);
  EXPECT_EQ(actual.author_decay, expected.author_decay);
  EXPECT_EQ(actual.author_floor, expected.author_floor);
  EXPECT_EQ(actual.mmr_penalty, expected.mmr_penalty);
  EXPECT_EQ(actual.ranked_list_size, expected.ranked_list_size);
}

// A config where every field differs from the defaults, with values that are awkward in JSON
// (floats with no short decimal form, times that are not whole hours).
RankingConfig unusual_config() {
  RankingConfig config = default_ranking_config();
  config.version = "experiment-7 \"quoted\" ü";
  for (int i = 0; i < kFeatureCount; ++i) config.weights[i] = 0.1f * static_cast<float>(i) - 0.37f;
  config.source_scales[static_cast<int>(CandidateSource::kFollowing)] = 1.1f;
  config.source_scales[static_cast<int>(CandidateSource::kOutOfNetwork)] = 0.3f;
  config.source_scales[static_cast<int>(CandidateSource::kNetworkEngagement)] = 2.0f / 3.0f;
  config.source_scales[static_cast<int>(CandidateSource::kPopular)] = 1e-5f;
  config.source_scales[static_cast<int>(CandidateSource::kCollaborative)] = 12345.678f;
  config.recency_half_life_ms = 12'345'678;
  config.affinity_half_life_ms = 7 * 24 * kHour + 1;
  config.in_network_per_author = 3;
  config.in_network_total = 77;
  config.out_of_network_k = 1024;
  config.out_of_network_max_age_ms = 3'600'001;
  config.network_engagement_per_followee = 0;
  config.network_engagement_total = 9999;
  config.popular_total = 1;
  config.collaborative_history = 42;
  config.collaborative_neighbours = 1000;
  config.collaborative_total = 17;
  config.author_decay = 0.123456789f;
  config.author_floor = 1e-3f;
  config.mmr_penalty = 0.333f;
  config.ranked_list_size = 5000;
  return config;
}

// The config error's status: INVALID_ARGUMENT whose message starts with "<field>:".
void expect_error_names(std::string_view json, std::string_view field) {
  auto config = parse_ranking_config(json);
  ASSERT_FALSE(config.ok()) << json;
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << json;
  EXPECT_THAT(std::string(config.status().message()), StartsWith(std::string(field) + ":")) << json;
}

TEST(RankingConfig, AnEmptyObjectGivesTheDefaults) {
  auto config = parse_ranking_config("{}");
  ASSERT_TRUE(config.ok()) << config.status();
  expect_same_config(*config, default_ranking_config());
  EXPECT_EQ(to_json(*config), to_json(default_ranking_config()));  // fields added later too
}

TEST(RankingConfig, DefaultsAreValidAndSane) {
  const RankingConfig config = default_ranking_config();
  EXPECT_FALSE(config.version.empty());
  for (float scale : config.source_scales) EXPECT_GT(scale, 0.0f);
  EXPECT_GT(config.recency_half_life_ms, 0);
  EXPECT_GT(config.ranked_list_size, 0);
  EXPECT_LE(config.author_floor, 1.0f);
  EXPECT_GT(config.weights[static_cast<int>(Feature::kSimilarity)], 0.0f);
  EXPECT_LT(config.weights[static_cast<int>(Feature::kAlreadyEngaged)], 0.0f);
}

TEST(RankingConfig, ToJsonRoundTripsTheDefaultsExactly) {
  const RankingConfig defaults = default_ranking_config();
  auto parsed = parse_ranking_config(to_json(defaults));
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << to_json(defaults);
  expect_same_config(*parsed, defaults);
  EXPECT_EQ(to_json(*parsed), to_json(defaults));
}

TEST(RankingConfig, ToJsonRoundTripsEveryFieldExactly) {
  const RankingConfig config = unusual_config();
  const std::string json = to_json(config);
  auto parsed = parse_ranking_config(json);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << json;
  expect_same_config(*parsed, config);
  EXPECT_EQ(to_json(*parsed), json);
}

TEST(RankingConfig, ToJsonNamesEveryFeatureAndScaledSource) {
  const std::string json = to_json(default_ranking_config());
  for (Feature f : all_features()) {
    EXPECT_THAT(json, HasSubstr("\"" + std::string(feature_name(f)) + "\"")) << feature_name(f);
  }
  for (const char* source :
       {"in_network", "out_of_network", "network_engagement", "popular", "collaborative"}) {
    EXPECT_THAT(json, HasSubstr(std::string("\"") + source + "\"")) << source;
  }
}

// Times are hours in JSON and milliseconds in the struct: to_json must write hours (it once wrote
// the milliseconds, which parse_ranking_config then refused).
TEST(RankingConfig, ToJsonWritesTimesInHours) {
  RankingConfig config = default_ranking_config();
  config.recency_half_life_ms = 6 * kHour;
  config.affinity_half_life_ms = 90 * kHour / 2;
  config.out_of_network_max_age_ms = 72 * kHour;
  const std::string json = to_json(config);
  EXPECT_THAT(json, HasSubstr("\"recency_half_life_hours\": 6"));
  EXPECT_THAT(json, HasSubstr("\"affinity_half_life_hours\": 45"));
  EXPECT_THAT(json, HasSubstr("\"max_age_hours\": 72"));
}

TEST(RankingConfig, APartialConfigKeepsTheOtherDefaults) {
  auto config = parse_ranking_config(R"({
    "version": "likes-up",
    "weights": {"likes": 0.9},
    "source_scales": {"popular": 0.5},
    "recency_half_life_hours": 6,
    "diversity": {"mmr_penalty": 0.25},
    "in_network": {"per_author": 4}
  })");
  ASSERT_TRUE(config.ok()) << config.status();
  RankingConfig expected = default_ranking_config();
  expected.version = "likes-up";
  expected.weights[static_cast<int>(Feature::kLikes)] = 0.9f;
  expected.source_scales[static_cast<int>(CandidateSource::kPopular)] = 0.5f;
  expected.recency_half_life_ms = 6 * kHour;
  expected.mmr_penalty = 0.25f;
  expected.in_network_per_author = 4;
  expect_same_config(*config, expected);
}

TEST(RankingConfig, HoursBecomeMilliseconds) {
  auto config = parse_ranking_config(
      R"({"affinity_half_life_hours": 0.5, "out_of_network": {"max_age_hours": 48}})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->affinity_half_life_ms, kHour / 2);
  EXPECT_EQ(config->out_of_network_max_age_ms, 48 * kHour);
}

TEST(RankingConfig, AWeightThatIsAStringNamesTheWeight) {
  expect_error_names(R"({"weights": {"similarity": "high"}})", "weights.similarity");
}

TEST(RankingConfig, AnUnknownFeatureNameNamesIt) {
  expect_error_names(R"({"weights": {"no_such_feature": 1}})", "weights.no_such_feature");
}

TEST(RankingConfig, ASourceScaleOfZeroOrBelowNamesTheSource) {
  expect_error_names(R"({"source_scales": {"popular": 0}})", "source_scales.popular");
  expect_error_names(R"({"source_scales": {"popular": -1.5}})", "source_scales.popular");
}

TEST(RankingConfig, TheSelfSourceHasNoScale) {
  expect_error_names(R"({"source_scales": {"self": 1}})", "source_scales.self");
}

TEST(RankingConfig, AnAuthorDecayAboveOneNamesIt) {
  expect_error_names(R"({"diversity": {"author_decay": 2}})", "diversity.author_decay");
}

TEST(RankingConfig, AFractionalCountNamesIt) {
  expect_error_names(R"({"in_network": {"total": 1.5}})", "in_network.total");
}

TEST(RankingConfig, AnOutOfNetworkKAboveTheMaximumNamesIt) {
  expect_error_names(R"({"out_of_network": {"k": 2000}})", "out_of_network.k");
}

TEST(RankingConfig, AnUnknownTopLevelKeyNamesIt) { expect_error_names(R"({"nope": 1})", "nope"); }

TEST(RankingConfig, AnUnknownKeyInASectionNamesIt) {
  expect_error_names(R"({"in_network": {"nope": 1}})", "in_network.nope");
}

TEST(RankingConfig, AnEmptyOrNonStringVersionNamesIt) {
  expect_error_names(R"({"version": ""})", "version");
  expect_error_names(R"({"version": 3})", "version");
}

TEST(RankingConfig, InvalidJsonOrANonObjectNamesTheRoot) {
  expect_error_names(R"({"weights": )", "(root)");
  expect_error_names("[1, 2]", "(root)");
}

TEST(RankingConfig, ASectionThatIsNotAnObjectNamesIt) {
  expect_error_names(R"({"diversity": 3})", "diversity");
  expect_error_names(R"({"weights": [1]})", "weights");
}

TEST(RankingConfig, LoadingAMissingFileIsNotFound) {
  testing::TempDir dir;
  auto config = load_ranking_config(dir.path() / "absent.json");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
}

TEST(RankingConfig, LoadingABadFileNamesThePathAndTheField) {
  testing::TempDir dir;
  const std::string path = dir.sub("bad.json");
  std::ofstream(path) << R"({"diversity": {"author_floor": 0}})";
  auto config = load_ranking_config(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr(path));
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("diversity.author_floor"));
}

TEST(RankingConfig, LoadingAGoodFileReadsIt) {
  testing::TempDir dir;
  const std::string path = dir.sub("good.json");
  RankingConfig expected = unusual_config();
  std::ofstream(path) << to_json(expected);
  auto config = load_ranking_config(path);
  ASSERT_TRUE(config.ok()) << config.status();
  expect_same_config(*config, expected);
}

}  // namespace
}  // namespace feedrank::ranker
