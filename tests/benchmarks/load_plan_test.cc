#include "benchmarks/load/load_plan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "benchmarks/load/load_step.h"

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
      // Each weight is finite, their total is not: every share would scale to 0.
      {"algo=1e308,nearest=1e308", "the weights' total is not finite"},
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

TEST(PlanSteps, OneStepPerRateOrCallerCountWithTheDefaultsWhenNoneIsGiven) {
  auto open = plan_steps({.rates = {100, 200}, .write_rate = 10, .warmup_s = 0, .duration_s = 2});
  ASSERT_TRUE(open.ok()) << open.status();
  ASSERT_EQ(open->size(), 2u);
  EXPECT_EQ((*open)[1].name, "open 200/s");
  ASSERT_EQ((*open)[1].streams.size(), 2u);  // and the write stream
  EXPECT_EQ((*open)[1].streams[1].rate_per_s, 10);
  EXPECT_EQ((*open)[1].warmup, std::chrono::milliseconds(0));
  EXPECT_EQ((*open)[1].measure, std::chrono::milliseconds(2000));

  auto defaults = plan_steps({});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  ASSERT_EQ(defaults->size(), 1u);
  EXPECT_EQ(defaults->front().streams.at(0).rate_per_s, kDefaultRate);
  auto closed = plan_steps({.loop = "closed"});
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->front().streams.at(0).callers, kDefaultCallers);
}

// Times are whole milliseconds once rounded, from 1 ms (a warm-up may be 0) to 1e6 s; rates
// reach 1e7/s.
TEST(PlanSteps, TakesTheEdgesOfEachRange) {
  auto steps = plan_steps({.rates = {1e7}, .warmup_s = 0.0006, .duration_s = 0.001});
  ASSERT_TRUE(steps.ok()) << steps.status();
  EXPECT_EQ(steps->front().warmup, std::chrono::milliseconds(1));
  EXPECT_EQ(steps->front().measure, std::chrono::milliseconds(1));
  steps = plan_steps({.write_rate = 1e7, .warmup_s = 1e6, .duration_s = 1e6});
  ASSERT_TRUE(steps.ok()) << steps.status();
  EXPECT_EQ(steps->front().measure, std::chrono::seconds(1'000'000));
}

TEST(PlanSteps, RefusesWhatNoStepCanRunNamingTheFlag) {
  const double nan = std::nan("");
  const double inf = INFINITY;
  const struct {
    std::function<void(StepFlags&)> set;
    const char* message_start;
  } cases[] = {
      // A gap rounds to 0 ns past 1e7/s (the pacer never returns), or is NaN.
      {[&](StepFlags& f) { f.rates = {inf}; }, "--rate: inf is not a rate"},
      {[&](StepFlags& f) { f.rates = {1e300}; }, "--rate: 1e+300 is not a rate"},
      {[&](StepFlags& f) {
         f.rates = {100, 2e7};
       },
       "--rate: 2e+07 is not a rate"},
      {[&](StepFlags& f) { f.rates = {nan}; }, "--rate: nan is not a rate"},
      {[&](StepFlags& f) { f.rates = {0}; }, "--rate: 0 is not a rate"},
      {[&](StepFlags& f) { f.write_rate = inf; }, "--write-rate: inf is not a rate"},
      {[&](StepFlags& f) { f.write_rate = nan; }, "--write-rate: nan is not a rate"},
      {[&](StepFlags& f) { f.write_rate = -1; }, "--write-rate: -1 is not a rate"},
      // Under a millisecond once rounded (a window of 0 ms: NaN rates), past the steady clock's
      // range in nanoseconds, or not a number.
      {[](StepFlags& f) { f.duration_s = 0.0004; }, "--duration: 0.0004 is not seconds"},
      {[](StepFlags& f) { f.duration_s = 0; }, "--duration: 0 is not seconds"},
      {[](StepFlags& f) { f.duration_s = 1e10; }, "--duration: 1e+10 is not seconds"},
      {[&](StepFlags& f) { f.duration_s = nan; }, "--duration: nan is not seconds"},
      {[&](StepFlags& f) { f.duration_s = inf; }, "--duration: inf is not seconds"},
      {[&](StepFlags& f) { f.warmup_s = nan; }, "--warmup: nan is not 0 or seconds"},
      {[](StepFlags& f) { f.warmup_s = 0.0004; }, "--warmup: 0.0004 is not 0 or seconds"},
      {[](StepFlags& f) { f.warmup_s = -1; }, "--warmup: -1 is not 0 or seconds"},
      {[](StepFlags& f) { f.warmup_s = 2e6; }, "--warmup: 2e+06 is not 0 or seconds"},
      // Flags of the other loop, which it would ignore.
      {[](StepFlags& f) { f.callers = {4}; }, "--callers: closed loop only"},
      {[](StepFlags& f) {
         f.loop = "closed";
         f.rates = {100};
       },
       "--rate: open loop only"},
      {[](StepFlags& f) {
         f.loop = "closed";
         f.callers = {0};
       },
       "--callers: at least 1"},
      {[](StepFlags& f) { f.mix = "algo=1e308,nearest=1e308"; }, "--mix: the weights' total"},
  };
  for (const auto& c : cases) {
    StepFlags flags;
    c.set(flags);
    auto steps = plan_steps(flags);
    if (steps.ok()) {
      ADD_FAILURE() << "accepted: " << c.message_start;
      continue;
    }
    EXPECT_EQ(steps.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(std::string(steps.status().message()).starts_with(c.message_start))
        << steps.status().message();
  }
}

// RecordEngagements calls pick a post in 1..posts: none is no range at all.
TEST(PlanSteps, EngagementsNeedPosts) {
  auto reads = plan_steps({.mix = "chrono=1"});
  auto engagements = plan_steps({.mix = "chrono=1,engagements=1"});
  auto background = plan_steps({.mix = "chrono=1", .write_rate = 5});  // writes=1: half of them
  ASSERT_TRUE(reads.ok() && engagements.ok() && background.ok());
  EXPECT_TRUE(check_posts(*reads, 0).ok());
  EXPECT_TRUE(check_posts(*engagements, 1).ok());
  for (const auto* steps : {&*engagements, &*background}) {
    const absl::Status posts = check_posts(*steps, 0);
    EXPECT_EQ(posts.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(std::string(posts.message()).starts_with("--posts: ")) << posts.message();
  }
}

}  // namespace
}  // namespace feedrank::load
