#include "ranker/experiments/arm_assignment.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace feedrank::ranker {
namespace {

constexpr UserId kViewers = 100'000;
constexpr double kTolerance = 0.01;  // over 6 standard errors of any share at 100,000 viewers

// An experiment with arms "arm0", "arm1", ... of the given bucket counts.
ExperimentConfig experiment(std::string id, std::string salt, std::vector<int> buckets) {
  ExperimentConfig config;
  config.id = std::move(id);
  config.salt = std::move(salt);
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    config.arms.push_back(ArmConfig{"arm" + std::to_string(i), buckets[i], FeedVariant{}});
  }
  return config;
}

// Viewers 1..kViewers per "experiment/arm" ("" for those no experiment takes).
std::map<std::string, int> assign_all(const ExperimentsConfig& config, TimestampMs now = 0) {
  std::map<std::string, int> counts;
  for (UserId user = 1; user <= kViewers; ++user) {
    const auto assignment = assign_arm(config, user, now);
    ++counts[assignment ? assignment->experiment->id + "/" + assignment->arm->name : ""];
  }
  return counts;
}

double share(int count, double of = kViewers) { return count / of; }

// Expected values from xxhsum 0.8.1 (`xxhsum -H3`) over files holding the salt's bytes followed
// by the id as 8 little-endian bytes, then % 10000: an implementation independent of ours.
TEST(ArmAssignment, BucketMatchesReferenceHash) {
  EXPECT_EQ(assignment_bucket("2026-11", 42), 5407);
  EXPECT_EQ(assignment_bucket("exp-salt", 123456789012345), 8210);
}

TEST(ArmAssignment, BucketIsStableAndInRange) {
  int salt_matters = 0;
  for (UserId user = 0; user < 1000; ++user) {
    const int bucket = assignment_bucket("salt", user);
    EXPECT_GE(bucket, 0);
    EXPECT_LT(bucket, kAssignmentBuckets);
    EXPECT_EQ(assignment_bucket("salt", user), bucket);
    salt_matters += assignment_bucket("other-salt", user) != bucket ? 1 : 0;
  }
  EXPECT_GT(salt_matters, 990);
}

TEST(ArmAssignment, EvenSplitGetsEqualShares) {
  const ExperimentsConfig config{{experiment("e", "s", {5000, 5000})}};
  auto counts = assign_all(config);
  EXPECT_NEAR(share(counts["e/arm0"]), 0.5, kTolerance);
  EXPECT_NEAR(share(counts["e/arm1"]), 0.5, kTolerance);
  EXPECT_EQ(counts[""], 0);
}

TEST(ArmAssignment, UnevenSplitGetsConfiguredShares) {
  const ExperimentsConfig config{{experiment("e", "uneven", {2000, 3000, 5000})}};
  auto counts = assign_all(config);
  EXPECT_NEAR(share(counts["e/arm0"]), 0.2, kTolerance);
  EXPECT_NEAR(share(counts["e/arm1"]), 0.3, kTolerance);
  EXPECT_NEAR(share(counts["e/arm2"]), 0.5, kTolerance);
}

TEST(ArmAssignment, PartialExperimentLeavesTheRestUnassigned) {
  const ExperimentsConfig config{{experiment("e", "ten-percent", {1000})}};
  auto counts = assign_all(config);
  EXPECT_NEAR(share(counts["e/arm0"]), 0.1, kTolerance);
  EXPECT_NEAR(share(counts[""]), 0.9, kTolerance);
}

TEST(ArmAssignment, DifferentSaltsAssignIndependently) {
  const ExperimentsConfig first{{experiment("x", "salt-1", {5000, 5000})}};
  const ExperimentsConfig second{{experiment("y", "salt-2", {5000, 5000})}};
  int cells[2][2] = {};
  for (UserId user = 1; user <= kViewers; ++user) {
    const auto x = assign_arm(first, user, 0);
    const auto y = assign_arm(second, user, 0);
    ASSERT_TRUE(x && y);
    ++cells[x->arm == &first.experiments[0].arms[0] ? 0 : 1]
           [y->arm == &second.experiments[0].arms[0] ? 0 : 1];
  }
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) EXPECT_NEAR(share(cells[i][j]), 0.25, kTolerance) << i << j;
  }
}

TEST(ArmAssignment, FirstExperimentWinsAndLeavesTheNextBalanced) {
  const ExperimentsConfig config{
      {experiment("small", "a", {1000}), experiment("big", "b", {5000, 5000})}};
  auto counts = assign_all(config);
  EXPECT_NEAR(share(counts["small/arm0"]), 0.1, kTolerance);
  EXPECT_EQ(counts[""], 0);
  const int big = counts["big/arm0"] + counts["big/arm1"];
  EXPECT_NEAR(share(big), 0.9, kTolerance);
  EXPECT_NEAR(share(counts["big/arm0"], big), 0.5, kTolerance);
  EXPECT_NEAR(share(counts["big/arm1"], big), 0.5, kTolerance);
}

TEST(ArmAssignment, InactiveExperimentsTakeNoViewers) {
  ExperimentConfig windowed = experiment("windowed", "w", {10000});
  windowed.start_ms = 1000;
  windowed.end_ms = 2000;
  const ExperimentsConfig config{{windowed, experiment("always", "a", {10000})}};
  auto id_at = [&](TimestampMs now) {
    const auto assignment = assign_arm(config, 7, now);
    return assignment ? assignment->experiment->id : std::string();
  };
  EXPECT_EQ(id_at(999), "always");  // before the start
  EXPECT_EQ(id_at(1000), "windowed");
  EXPECT_EQ(id_at(1999), "windowed");
  EXPECT_EQ(id_at(2000), "always");  // the end is exclusive

  const ExperimentsConfig alone{{windowed}};
  EXPECT_FALSE(assign_arm(alone, 7, 2000).has_value());
  EXPECT_TRUE(assign_arm(alone, 7, 1500).has_value());
}

TEST(ArmAssignment, OpenEndedExperimentNeverEnds) {
  ExperimentConfig open = experiment("open", "o", {10000});
  open.start_ms = 1000;
  const ExperimentsConfig config{{open}};
  EXPECT_FALSE(assign_arm(config, 7, 999).has_value());
  EXPECT_TRUE(assign_arm(config, 7, 4'000'000'000'000).has_value());
}

TEST(ArmAssignment, FindArmReturnsTheNamedArmActiveOrNot) {
  ExperimentConfig ended = experiment("ended", "e", {5000, 5000});
  ended.start_ms = 1;
  ended.end_ms = 2;
  const ExperimentsConfig config{{experiment("first", "f", {10000}), ended}};
  auto found = find_arm(config, "ended", "arm1");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->experiment, &config.experiments[1]);
  EXPECT_EQ(found->arm, &config.experiments[1].arms[1]);
}

TEST(ArmAssignment, FindArmNamesWhatIsMissing) {
  const ExperimentsConfig config{{experiment("first", "f", {10000})}};
  auto no_experiment = find_arm(config, "nope", "arm0");
  EXPECT_EQ(no_experiment.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(no_experiment.status().message(), "force_experiment: no experiment \"nope\"");
  auto no_arm = find_arm(config, "first", "arm9");
  EXPECT_EQ(no_arm.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(no_arm.status().message(), "force_arm: experiment \"first\" has no arm \"arm9\"");
}

TEST(ArmAssignment, AnArmTagFindsItsArmActiveOrNotAndNothingOnceRemoved) {
  ExperimentConfig ended = experiment("ended", "e", {5000, 5000});
  ended.start_ms = 1;
  ended.end_ms = 2;
  const ExperimentsConfig config{{experiment("first", "f", {10000}), ended}};
  const auto found = find_arm_by_tag(config, arm_tag("ended", "arm1"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->experiment, &config.experiments[1]);
  EXPECT_EQ(found->arm, &config.experiments[1].arms[1]);
  EXPECT_FALSE(find_arm_by_tag(config, arm_tag("ended", "arm2")).has_value());
  EXPECT_FALSE(find_arm_by_tag(config, 0).has_value()) << "0 is no arm";
  EXPECT_NE(arm_tag("a", "bc"), arm_tag("ab", "c"));
}

}  // namespace
}  // namespace feedrank::ranker
