#include "ranker/experiments/experiment_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

namespace feedrank::ranker {
namespace {

constexpr TimestampMs kHour = 60LL * 60 * 1000;

// One experiment "e" (salt "s") holding `arms`; `extra` adds experiment keys ("key": value, ).
std::string with_arms(const std::string& arms, const std::string& extra = "") {
  return R"({"experiments": [{"id": "e", "salt": "s", )" + extra + R"("arms": [)" + arms + "]}]}";
}

constexpr const char* kChronoArm = R"({"name": "c", "share": 0.5, "mode": "chronological"})";

void expect_invalid(const std::string& json, const std::string& message) {
  SCOPED_TRACE(json);
  auto config = parse_experiments_config(json);
  ASSERT_FALSE(config.ok()) << "parsed";
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(), message);
}

float weight(const RankingConfig& config, Feature feature) {
  return config.weights[static_cast<int>(feature)];
}

constexpr const char* kFullConfig = R"({"experiments": [
  {"id": "chrono-vs-algo", "salt": "2026-11", "start_ms": 1000, "end_ms": 5000,
   "attribution_window_hours": 1.5,
   "arms": [{"name": "chronological", "share": 0.25, "mode": "chronological"},
            {"name": "algorithmic", "share": 0.33333, "mode": "algorithmic",
             "ranking_config": {"version": "fitted-3", "weights": {"similarity": 3}}},
            {"name": "server.default_1", "share": 0.4, "mode": "algorithmic"}]},
  {"id": "interleave", "salt": "x",
   "arms": [{"name": "team-draft", "share": 0.1, "mode": "interleaved",
             "interleave": [{"mode": "algorithmic", "ranking_config": {"version": "b-side"}},
                            {"mode": "chronological"}]}]}]})";

TEST(ExperimentConfig, ParsesEveryField) {
  auto config = parse_experiments_config(kFullConfig);
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->experiments.size(), 2u);

  const ExperimentConfig& first = config->experiments[0];
  EXPECT_EQ(first.id, "chrono-vs-algo");
  EXPECT_EQ(first.salt, "2026-11");
  EXPECT_EQ(first.start_ms, 1000);
  EXPECT_EQ(first.end_ms, 5000);
  EXPECT_EQ(first.attribution_window_ms, 3 * kHour / 2);
  ASSERT_EQ(first.arms.size(), 3u);
  EXPECT_EQ(first.arms[0].name, "chronological");
  EXPECT_EQ(first.arms[0].buckets, 2500);
  EXPECT_EQ(first.arms[0].variant.mode, FeedMode::kChronological);
  EXPECT_EQ(first.arms[0].variant.ranking, nullptr);
  EXPECT_EQ(first.arms[1].buckets, 3333);  // rounded to whole buckets
  EXPECT_EQ(first.arms[1].variant.mode, FeedMode::kAlgorithmic);
  ASSERT_NE(first.arms[1].variant.ranking, nullptr);
  EXPECT_EQ(first.arms[1].variant.ranking->version, "fitted-3");
  EXPECT_EQ(weight(*first.arms[1].variant.ranking, Feature::kSimilarity), 3.0f);
  // Keys left out of an inline config keep parse_ranking_config's defaults.
  EXPECT_EQ(weight(*first.arms[1].variant.ranking, Feature::kRecency),
            weight(default_ranking_config(), Feature::kRecency));
  EXPECT_EQ(first.arms[2].name, "server.default_1");
  EXPECT_EQ(first.arms[2].buckets, 4000);
  EXPECT_EQ(first.arms[2].variant.ranking, nullptr);  // the server's config

  const ArmConfig& interleaved = config->experiments[1].arms[0];
  EXPECT_EQ(interleaved.buckets, 1000);
  EXPECT_EQ(interleaved.variant.mode, FeedMode::kInterleaved);
  EXPECT_EQ(interleaved.variant.teams[0].mode, FeedMode::kAlgorithmic);
  ASSERT_NE(interleaved.variant.teams[0].ranking, nullptr);
  EXPECT_EQ(interleaved.variant.teams[0].ranking->version, "b-side");
  EXPECT_EQ(interleaved.variant.teams[1].mode, FeedMode::kChronological);
  EXPECT_EQ(interleaved.variant.teams[1].ranking, nullptr);
}

TEST(ExperimentConfig, AppliesDefaults) {
  auto config =
      parse_experiments_config(with_arms(R"({"name": "a", "share": 0.5, "mode": "algorithmic"},
                   {"name": "i", "share": 0.5, "mode": "interleaved"})"));
  ASSERT_TRUE(config.ok()) << config.status();
  const ExperimentConfig& experiment = config->experiments.at(0);
  EXPECT_EQ(experiment.start_ms, 0);
  EXPECT_EQ(experiment.end_ms, 0);
  EXPECT_EQ(experiment.attribution_window_ms, 24 * kHour);
  EXPECT_EQ(experiment.arms.at(0).variant.ranking, nullptr);
  const FeedVariant& interleaved = experiment.arms.at(1).variant;
  EXPECT_EQ(interleaved.teams[0].mode, FeedMode::kChronological);
  EXPECT_EQ(interleaved.teams[1].mode, FeedMode::kAlgorithmic);
  EXPECT_EQ(interleaved.teams[1].ranking, nullptr);
}

TEST(ExperimentConfig, AcceptsNoExperimentsAndSharesOfExactlyOne) {
  auto empty = parse_experiments_config(R"({"experiments": []})");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->experiments.empty());
  auto full =
      parse_experiments_config(with_arms(R"({"name": "a", "share": 0.7, "mode": "chronological"},
                   {"name": "b", "share": 0.3, "mode": "algorithmic"})"));
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->experiments[0].arms[0].buckets + full->experiments[0].arms[1].buckets, 10000);
  // Only the start or only the end set: no ordering to check.
  EXPECT_TRUE(parse_experiments_config(with_arms(kChronoArm, R"("start_ms": 9, )")).ok());
  EXPECT_TRUE(parse_experiments_config(with_arms(kChronoArm, R"("end_ms": 9, )")).ok());
}

// Each arm's buckets end at the running total of the shares, rounded: shares that sum to 1 give
// every bucket once, however each one alone rounds (0.12345 alone is 1,234.5 buckets).
TEST(ExperimentConfig, SharesThatSumToOneFillTheBucketsExactly) {
  for (const auto& [first, second] : {std::pair{"0.12345", "0.87655"},
                                      std::pair{"0.50005", "0.49995"},
                                      std::pair{"0.33335", "0.66665"}}) {
    SCOPED_TRACE(std::string(first) + " + " + second);
    auto config = parse_experiments_config(
        with_arms(std::string(R"({"name": "a", "mode": "chronological", "share": )") + first +
                  R"(}, {"name": "b", "mode": "algorithmic", "share": )" + second + "}"));
    ASSERT_TRUE(config.ok()) << config.status();
    const auto& arms = config->experiments[0].arms;
    EXPECT_EQ(arms[0].buckets + arms[1].buckets, 10000);
    EXPECT_GE(arms[0].buckets, 1234);
    EXPECT_LE(arms[0].buckets, 5001);
  }
}

// On one salt a viewer has the same bucket in two experiments, so the second would get only the
// viewers past the first's buckets: all in its last arm. Allowed when the windows do not overlap.
TEST(ExperimentConfig, RejectsASaltSharedByExperimentsThatOverlapInTime) {
  const auto two = [](const std::string& first_window, const std::string& second_window) {
    return R"({"experiments": [
      {"id": "a", "salt": "s", )" + first_window + R"(
       "arms": [{"name": "x", "share": 0.5, "mode": "chronological"}]},
      {"id": "b", "salt": "s", )" + second_window + R"(
       "arms": [{"name": "c", "share": 0.5, "mode": "chronological"},
                {"name": "t", "share": 0.5, "mode": "algorithmic"}]}]})";
  };
  const std::string message =
      R"(experiments[1].salt: the same as experiments[0] ("a"), whose time window overlaps this )"
      "one's: give each experiment its own salt";
  expect_invalid(two("", ""), message);
  expect_invalid(two(R"("start_ms": 100, )", R"("end_ms": 101, )"), message);
  expect_invalid(two(R"("start_ms": 100, "end_ms": 200, )", R"("start_ms": 199, )"), message);
  EXPECT_TRUE(parse_experiments_config(
                  two(R"("start_ms": 100, "end_ms": 200, )", R"("start_ms": 200, )"))
                  .ok());
  EXPECT_TRUE(parse_experiments_config(two(R"("start_ms": 100, )", R"("end_ms": 100, )")).ok());
}

TEST(ExperimentConfig, RejectsUnknownKeysByPath) {
  expect_invalid(R"({"experiments": [], "experiment": []})", "experiment: unknown key");
  expect_invalid(with_arms(kChronoArm, R"("owner": "me", )"), "experiments[0].owner: unknown key");
  expect_invalid(with_arms(R"({"name": "c", "share": 1, "mode": "chronological", "weight": 1})"),
                 "experiments[0].arms[0].weight: unknown key");
  expect_invalid(with_arms(R"({"name": "i", "share": 1, "mode": "interleaved",
                   "interleave": [{"mode": "chronological"}, {"mode": "algorithmic", "x": 1}]})"),
                 "experiments[0].arms[0].interleave[1].x: unknown key");
}

TEST(ExperimentConfig, RejectsDuplicateIdsAndArmNames) {
  expect_invalid(R"({"experiments": [
      {"id": "a", "salt": "s", "arms": [{"name": "x", "share": 1, "mode": "chronological"}]},
      {"id": "a", "salt": "t", "arms": [{"name": "x", "share": 1, "mode": "chronological"}]}]})",
                 R"(experiments[1].id: duplicate id "a")");
  expect_invalid(with_arms(std::string(kChronoArm) + ", " + kChronoArm),
                 R"(experiments[0].arms[1].name: duplicate arm name "c")");
}

TEST(ExperimentConfig, RejectsSharesOutOfRange) {
  auto arm_with_share = [](const std::string& share) {
    return with_arms(R"({"name": "c", "mode": "chronological", "share": )" + share + "}");
  };
  expect_invalid(arm_with_share("0"), "experiments[0].arms[0].share: must be in (0, 1], got 0");
  expect_invalid(arm_with_share("1.5"), "experiments[0].arms[0].share: must be in (0, 1], got 1.5");
  expect_invalid(arm_with_share("-0.1"),
                 "experiments[0].arms[0].share: must be in (0, 1], got -0.1");
  expect_invalid(arm_with_share("0.00001"),
                 "experiments[0].arms[0].share: must be at least 1/10000");
  expect_invalid(arm_with_share(R"("half")"), "experiments[0].arms[0].share: must be a number");
  expect_invalid(with_arms(R"({"name": "a", "share": 0.6, "mode": "chronological"},
                              {"name": "b", "share": 0.5, "mode": "algorithmic"})"),
                 "experiments[0].arms: shares add up to more than 1");
}

TEST(ExperimentConfig, RejectsModesAndOptionsThatDoNotFit) {
  expect_invalid(with_arms(R"({"name": "c", "share": 1, "mode": "random"})"),
                 R"(experiments[0].arms[0].mode: must be "chronological", "algorithmic" or )"
                 R"("interleaved")");
  expect_invalid(with_arms(R"({"name": "c", "share": 1, "mode": "chronological",
                              "ranking_config": {"version": "v"}})"),
                 R"(experiments[0].arms[0].ranking_config: only allowed with mode "algorithmic")");
  expect_invalid(with_arms(R"({"name": "c", "share": 1, "mode": "interleaved",
                              "ranking_config": {"version": "v"}})"),
                 R"(experiments[0].arms[0].ranking_config: only allowed with mode "algorithmic")");
  expect_invalid(with_arms(R"({"name": "c", "share": 1, "mode": "algorithmic",
                   "interleave": [{"mode": "chronological"}, {"mode": "algorithmic"}]})"),
                 R"(experiments[0].arms[0].interleave: only allowed with mode "interleaved")");
}

TEST(ExperimentConfig, RejectsMalformedInterleaveLists) {
  const std::string prefix = R"({"name": "i", "share": 1, "mode": "interleaved", "interleave": )";
  expect_invalid(with_arms(prefix + R"([{"mode": "chronological"}, {"mode": "algorithmic"},
                                        {"mode": "chronological"}]})"),
                 "experiments[0].arms[0].interleave: must be an array of 2 lists (team A's, "
                 "team B's)");
  expect_invalid(with_arms(prefix + R"({"mode": "chronological"}})"),
                 "experiments[0].arms[0].interleave: must be an array of 2 lists (team A's, "
                 "team B's)");
  expect_invalid(with_arms(prefix + R"([{"mode": "interleaved"}, {"mode": "algorithmic"}]})"),
                 R"(experiments[0].arms[0].interleave[0].mode: must be "chronological" or )"
                 R"("algorithmic")");
  expect_invalid(with_arms(prefix + R"([{"mode": "algorithmic"}, {}]})"),
                 "experiments[0].arms[0].interleave[1].mode: required");
  expect_invalid(with_arms(prefix + R"([{"mode": "algorithmic"}, "chronological"]})"),
                 "experiments[0].arms[0].interleave[1]: must be an object");
  expect_invalid(with_arms(prefix + R"([{"mode": "chronological", "ranking_config": {}},
                                        {"mode": "algorithmic"}]})"),
                 "experiments[0].arms[0].interleave[0].ranking_config: only allowed with mode "
                 "\"algorithmic\"");
}

TEST(ExperimentConfig, PrefixesInlineRankingConfigErrorsWithTheirPath) {
  expect_invalid(with_arms(std::string(kChronoArm) + R"(, {"name": "a", "share": 0.5,
                   "mode": "algorithmic", "ranking_config": {"weights": {"similarity": "x"}}})"),
                 "experiments[0].arms[1].ranking_config.weights.similarity: must be a number");
  expect_invalid(with_arms(R"({"name": "i", "share": 1, "mode": "interleaved", "interleave":
                   [{"mode": "chronological"},
                    {"mode": "algorithmic", "ranking_config": {"weights": {"nope": 1}}}]})"),
                 "experiments[0].arms[0].interleave[1].ranking_config.weights.nope: unknown name");
  expect_invalid(with_arms(R"({"name": "a", "share": 1, "mode": "algorithmic",
                              "ranking_config": "fitted-3"})"),
                 "experiments[0].arms[0].ranking_config: must be an object");
}

TEST(ExperimentConfig, RejectsBadTimes) {
  expect_invalid(with_arms(kChronoArm, R"("start_ms": 5000, "end_ms": 5000, )"),
                 "experiments[0].end_ms: must be after start_ms");
  expect_invalid(with_arms(kChronoArm, R"("start_ms": 5000, "end_ms": 10, )"),
                 "experiments[0].end_ms: must be after start_ms");
  expect_invalid(with_arms(kChronoArm, R"("start_ms": -1, )"),
                 "experiments[0].start_ms: must be a whole number >= 0");
  expect_invalid(with_arms(kChronoArm, R"("end_ms": 1.5, )"),
                 "experiments[0].end_ms: must be a whole number >= 0");
  expect_invalid(with_arms(kChronoArm, R"("start_ms": "0", )"),
                 "experiments[0].start_ms: must be a whole number >= 0");
  expect_invalid(with_arms(kChronoArm, R"("start_ms": 18446744073709551615, )"),
                 "experiments[0].start_ms: must be a whole number >= 0");
  for (const char* hours : {"0", "721", R"("24")", "-1"}) {
    expect_invalid(
        with_arms(kChronoArm, std::string(R"("attribution_window_hours": )") + hours + ", "),
        "experiments[0].attribution_window_hours: must be a number in (0, 720]");
  }
  // 1e-7 hours is 0.36 ms: under a millisecond once in milliseconds, so no window at all.
  expect_invalid(with_arms(kChronoArm, R"("attribution_window_hours": 1e-7, )"),
                 "experiments[0].attribution_window_hours: must be at least a millisecond");
  auto month =
      parse_experiments_config(with_arms(kChronoArm, R"("attribution_window_hours": 720, )"));
  ASSERT_TRUE(month.ok()) << month.status();
  EXPECT_EQ(month->experiments[0].attribution_window_ms, 720 * kHour);
}

TEST(ExperimentConfig, RejectsWrongTypesAndMissingFields) {
  expect_invalid("[]", "(root): must be an object");
  expect_invalid("{", "(root): not valid JSON");
  expect_invalid("{}", "experiments: required");
  expect_invalid(R"({"experiments": {}})", "experiments: must be an array");
  expect_invalid(R"({"experiments": [7]})", "experiments[0]: must be an object");
  expect_invalid(R"({"experiments": [{"salt": "s", "arms": []}]})", "experiments[0].id: required");
  expect_invalid(R"({"experiments": [{"id": "e", "arms": []}]})", "experiments[0].salt: required");
  expect_invalid(R"({"experiments": [{"id": "e", "salt": "s"}]})", "experiments[0].arms: required");
  expect_invalid(R"({"experiments": [{"id": 5, "salt": "s", "arms": []}]})",
                 "experiments[0].id: must be a string");
  expect_invalid(R"({"experiments": [{"id": "e", "salt": "", "arms": []}]})",
                 "experiments[0].salt: must be a non-empty string");
  expect_invalid(R"({"experiments": [{"id": "e", "salt": 1, "arms": []}]})",
                 "experiments[0].salt: must be a non-empty string");
  expect_invalid(R"({"experiments": [{"id": "e", "salt": "s", "arms": []}]})",
                 "experiments[0].arms: must be a non-empty array");
  expect_invalid(R"({"experiments": [{"id": "e", "salt": "s", "arms": {}}]})",
                 "experiments[0].arms: must be a non-empty array");
  expect_invalid(with_arms(R"({"share": 1, "mode": "chronological"})"),
                 "experiments[0].arms[0].name: required");
  expect_invalid(with_arms(R"({"name": "c", "mode": "chronological"})"),
                 "experiments[0].arms[0].share: required");
  expect_invalid(with_arms(R"({"name": "c", "share": 1})"),
                 "experiments[0].arms[0].mode: required");
  expect_invalid(with_arms(R"({"name": "c", "share": 1, "mode": 1})"),
                 R"(experiments[0].arms[0].mode: must be "chronological", "algorithmic" or )"
                 R"("interleaved")");
}

TEST(ExperimentConfig, RejectsNamesOutsideTheCharset) {
  expect_invalid(R"({"experiments": [{"id": "a b", "salt": "s", "arms": []}]})",
                 "experiments[0].id: may hold only letters, digits, '_', '.' and '-'");
  expect_invalid(R"({"experiments": [{"id": "", "salt": "s", "arms": []}]})",
                 "experiments[0].id: must be 1..64 characters");
  expect_invalid(
      R"({"experiments": [{"id": ")" + std::string(65, 'x') + R"(", "salt": "s", "arms": []}]})",
      "experiments[0].id: must be 1..64 characters");
  expect_invalid(with_arms(R"({"name": "arm/1", "share": 1, "mode": "chronological"})"),
                 "experiments[0].arms[0].name: may hold only letters, digits, '_', '.' and '-'");
  EXPECT_TRUE(
      parse_experiments_config(
          R"({"experiments": [{"id": ")" + std::string(64, 'x') +
          R"(", "salt": "s", "arms": [{"name": "Az09_.-", "share": 1, "mode": "chronological"}]}]})")
          .ok());
}

// A folder of its own under the system's temp folder, removed with the test.
class ExperimentConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("feedrank-experiment-config-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write(const std::string& name, const std::string& text) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path) << text;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(ExperimentConfigFile, MissingFileIsNotFound) {
  const std::filesystem::path path = dir_ / "absent.json";
  auto config = load_experiments_config(path);
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(config.status().message(), path.string() + ": no such file");
}

TEST_F(ExperimentConfigFile, LoadsAValidFile) {
  auto config = load_experiments_config(write("experiments.json", kFullConfig));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->experiments.size(), 2u);
  EXPECT_EQ(config->experiments[1].id, "interleave");
  EXPECT_EQ(config->experiments[0].arms[1].variant.ranking->version, "fitted-3");
}

TEST_F(ExperimentConfigFile, PrefixesErrorsWithThePath) {
  const std::filesystem::path path = write("bad.json", R"({"experiments": [], "x": 1})");
  auto config = load_experiments_config(path);
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(), path.string() + ": x: unknown key");
}

}  // namespace
}  // namespace feedrank::ranker
