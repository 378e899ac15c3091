#include "benchmarks/load/load_plan.h"

#include <gtest/gtest.h>

namespace feedrank::load {
namespace {

TEST(CallMix, SharesAreScaledToSumToOne) {
  auto mix = CallMix::parse("chrono=7,algo=1,nearest=1,writes=1");
  ASSERT_TRUE(mix.ok()) << mix.status();
  EXPECT_DOUBLE_EQ(mix->share(CallKind::kChronologicalFeed), 0.7);
  EXPECT_DOUBLE_EQ(mix->share(CallKind::kAlgorithmicFeed), 0.1);
  EXPECT_DOUBLE_EQ(mix->share(CallKind::kNearestPosts), 0.1);
  EXPECT_DOUBLE_EQ(mix->share(CallKind::kCreatePosts), 0.05);
  EXPECT_DOUBLE_EQ(mix->share(CallKind::kRecordEngagements), 0.05);
}

TEST(CallMix, ToStringParsesBackToTheSameShares) {
  auto mix = CallMix::parse(" chrono = 0.5 ,posts=0.25,engagements=0.25");
  ASSERT_TRUE(mix.ok()) << mix.status();
  EXPECT_EQ(mix->to_string(), "chrono=0.5,posts=0.25,engagements=0.25");
  auto again = CallMix::parse(mix->to_string());
  ASSERT_TRUE(again.ok());
  for (std::size_t k = 0; k < kCallKinds; ++k) {
    EXPECT_DOUBLE_EQ(again->share(static_cast<CallKind>(k)), mix->share(static_cast<CallKind>(k)));
  }
}

TEST(CallMix, PickFollowsTheShares) {
  auto mix = CallMix::parse("chrono=0.6,nearest=0.4");
  ASSERT_TRUE(mix.ok());
  EXPECT_EQ(mix->pick(0.0), CallKind::kChronologicalFeed);
  EXPECT_EQ(mix->pick(0.599), CallKind::kChronologicalFeed);
  EXPECT_EQ(mix->pick(0.6), CallKind::kNearestPosts);
  EXPECT_EQ(mix->pick(0.99999999), CallKind::kNearestPosts);
  EXPECT_EQ(mix->pick(1.0), CallKind::kNearestPosts);  // rounding never picks a 0-share kind
}

TEST(CallMix, BadTextIsRefusedNamingTheFlagAndTheProblem) {
  const struct {
    const char* text;
    const char* message_part;
  } cases[] = {
      {"chrono", "'chrono' is not KEY=WEIGHT"},
      {"chrono=0.5,feed=0.5", "unknown call kind 'feed'"},
      {"chrono=-1", "chrono: '-1' is not a non-negative number"},
      {"chrono=abc", "chrono: 'abc' is not a non-negative number"},
      {"chrono=1x", "'1x' is not a non-negative number"},
      {"chrono=inf", "'inf' is not a non-negative number"},
      {"chrono=1,chrono=2", "sets chrono twice"},
      {"posts=1,writes=1", "sets posts twice"},
      {"chrono=0,algo=0", "every weight is 0"},
      {"", "is not KEY=WEIGHT"},
  };
  for (const auto& c : cases) {
    auto mix = CallMix::parse(c.text, "--write-mix");
    ASSERT_FALSE(mix.ok()) << c.text;
    EXPECT_EQ(mix.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(mix.status().message());
    EXPECT_TRUE(message.starts_with("--write-mix: ")) << message;
    EXPECT_NE(message.find(c.message_part), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace feedrank::load
