// The experiment report on tiny handcrafted logs: per-arm counts and every metric against values
// worked out by hand, the comparisons, arm order, viewers in two arms and interleaving wins.
#include "ranker/experiments/experiment_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "ranker/feed_types.h"

namespace feedrank::ranker {
namespace {

using ::testing::ElementsAre;

constexpr TimestampMs kHour = 3'600'000;
constexpr TimestampMs kStart = 100 * kHour;
constexpr TimestampMs kWindow = 1000;

enum Metric {
  kEngagementRate,
  kViewRate,
  kLikeRate,
  kCommentRate,
  kShareRate,
  kEngagementsPerViewer,
  kEngagedPosition,
  kServedAgeHours,
  kAuthorDiversity,
  kInNetworkShare
};

struct Item {
  PostId post;
  UserId author;
  CandidateSource source = CandidateSource::kPopular;
  TimestampMs age_hours = 0;  // when served
  InterleavingTeam team = InterleavingTeam::kNone;
  // Whether the author was the viewer or a followee; by default, as the source says.
  std::optional<bool> in_network = std::nullopt;
};

// Appends one page served to `viewer` at kStart + `at`; positions run on from `first_position`.
void add_page(ReportInput& input, const std::string& arm, UserId viewer, std::uint64_t request,
              TimestampMs at, std::uint32_t first_position, const std::vector<Item>& items) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    store::Impression impression;
    impression.request_id = request;
    impression.viewer = viewer;
    impression.experiment = input.experiment;
    impression.arm = arm;
    impression.post = items[i].post;
    impression.author = items[i].author;
    impression.served_at = kStart + at;
    impression.post_created_at = impression.served_at - items[i].age_hours * kHour;
    impression.position = first_position + static_cast<std::uint32_t>(i);
    impression.source = static_cast<std::uint8_t>(items[i].source);
    impression.team = static_cast<std::uint8_t>(items[i].team);
    impression.in_network =
        items[i].in_network.value_or(items[i].source == CandidateSource::kSelf ||
                                     items[i].source == CandidateSource::kFollowing);
    input.impressions.push_back(impression);
  }
}

void add_engagement(ReportInput& input, UserId user, PostId post, EngagementKind kind,
                    TimestampMs at) {
  input.engagements.push_back({user, post, kind, kStart + at});
}

constexpr auto kSelf = CandidateSource::kSelf;
constexpr auto kFollowing = CandidateSource::kFollowing;
constexpr auto kOut = CandidateSource::kOutOfNetwork;
constexpr auto kPopular = CandidateSource::kPopular;
constexpr auto kCollab = CandidateSource::kCollaborative;
constexpr auto kView = EngagementKind::kView;
constexpr auto kLike = EngagementKind::kLike;
constexpr auto kComment = EngagementKind::kComment;
constexpr auto kShare = EngagementKind::kShare;

// Two arms, two viewers each, two pages of two items per viewer (positions 0-3), window 1 s.
// Per viewer (engaged = impressions with an attributed engagement; positions 1-based):
//   v1 control:   like+view on 1002 (pos 2), comment on 1003 (pos 3); a like of a post never
//                 shown (unattributed); a share after last page + window and a view before the
//                 first page (both ignored). impressions 4, engaged 2, view 1 like 1 comment 1,
//                 positions 2+3 = 5, ages 1+3+2+2 = 8 h, authors per page 1+2 = 3, in-network 2.
//   v2 control:   view on 2004 exactly 1 s after its page (the window edge). impressions 4,
//                 engaged 1, view 1, position 4, ages 4+0+1+1 = 6 h, authors 1+2 = 3, in-net 3.
//   v3 treatment: like+share on 3001 (pos 1), like on 3003 (pos 3). impressions 4, engaged 2,
//                 like 2 share 1, positions 1+3 = 4, ages 8 h, authors 2+1 = 3, in-network 1.
//   v4 treatment: only a view of a post never shown (unattributed). impressions 4, engaged 0,
//                 ages 0+5+1+2 = 8 h, authors 2+2 = 4, in-network 3.
// Viewer 99 is in no arm: their engagement is ignored.
ReportInput two_arm_log() {
  ReportInput input;
  input.experiment = "exp";
  input.attribution_window_ms = kWindow;
  input.arm_order = {"control", "treatment"};
  add_page(input, "control", 1, 101, 0, 0, {{1001, 50, kFollowing, 1}, {1002, 50, kPopular, 3}});
  add_page(input, "control", 1, 102, 10'000, 2, {{1003, 51, kSelf, 2}, {1004, 52, kOut, 2}});
  add_page(input, "control", 2, 201, 1000, 0, {{2001, 60, kSelf, 4}, {2002, 60, kPopular, 0}});
  add_page(input, "control", 2, 202, 2000, 2,
           {{2003, 61, kFollowing, 1}, {2004, 62, kFollowing, 1}});
  add_page(input, "treatment", 3, 301, 3000, 0, {{3001, 70, kOut, 2}, {3002, 71, kFollowing, 2}});
  add_page(input, "treatment", 3, 302, 4000, 2, {{3003, 70, kPopular, 2}, {3004, 70, kPopular, 2}});
  add_page(input, "treatment", 4, 401, 5000, 0, {{4001, 80, kSelf, 0}, {4002, 81, kCollab, 5}});
  add_page(input, "treatment", 4, 402, 6000, 2,
           {{4003, 82, kFollowing, 1}, {4004, 83, kFollowing, 2}});
  add_engagement(input, 1, 1002, kLike, 500);
  add_engagement(input, 1, 1002, kView, 600);
  add_engagement(input, 1, 1003, kComment, 10'200);
  add_engagement(input, 1, 9999, kLike, 300);      // unattributed
  add_engagement(input, 1, 1001, kShare, 15'000);  // after 10'000 + window: ignored
  add_engagement(input, 1, 1001, kView, -10);      // before the first page: ignored
  add_engagement(input, 2, 2004, kView, 3000);     // 2000 + window: the edge counts
  add_engagement(input, 3, 3001, kLike, 3100);
  add_engagement(input, 3, 3001, kShare, 3200);
  add_engagement(input, 3, 3003, kLike, 4500);
  add_engagement(input, 4, 5555, kView, 6500);  // unattributed
  add_engagement(input, 99, 1001, kLike, 500);  // not a viewer of the experiment
  return input;
}

void expect_metric(const ArmReport& arm, Metric metric, double value, double std_error) {
  const RatioEstimate& r = arm.metrics[metric];
  SCOPED_TRACE(std::string(arm.arm) + " " + report_metric_names()[metric]);
  EXPECT_TRUE(r.defined);
  EXPECT_EQ(r.viewers, 2u);
  EXPECT_NEAR(r.value, value, 1e-12);
  EXPECT_NEAR(r.std_error, std_error, 1e-9);
  EXPECT_NEAR(r.ci_low, value - 1.959963984540054 * std_error, 1e-9);
}

TEST(ExperimentReport, CountsViewersPagesImpressionsAndEngagementsPerArm) {
  const ExperimentReport report = build_experiment_report(two_arm_log());
  EXPECT_EQ(report.experiment, "exp");
  EXPECT_EQ(report.attribution_window_ms, kWindow);
  EXPECT_EQ(report.first_served, kStart);
  EXPECT_EQ(report.last_served, kStart + 10'000);  // v1's second page
  ASSERT_EQ(report.arms.size(), 2u);
  const ArmReport& control = report.arms[0];
  const ArmReport& treatment = report.arms[1];
  EXPECT_EQ(control.arm, "control");
  EXPECT_EQ(control.viewers, 2u);
  EXPECT_EQ(control.pages, 4u);
  EXPECT_EQ(control.impressions, 8u);
  EXPECT_THAT(control.attributed, ElementsAre(2, 1, 1, 0));  // view, like, comment, share
  EXPECT_EQ(control.unattributed, 1u);
  EXPECT_EQ(treatment.arm, "treatment");
  EXPECT_EQ(treatment.viewers, 2u);
  EXPECT_EQ(treatment.pages, 4u);
  EXPECT_EQ(treatment.impressions, 8u);
  EXPECT_THAT(treatment.attributed, ElementsAre(0, 2, 0, 1));
  EXPECT_EQ(treatment.unattributed, 1u);
  EXPECT_EQ(report.attributed, 7u);
  EXPECT_EQ(report.unattributed, 2u);
  EXPECT_TRUE(report.interleaving.empty());
}

TEST(ExperimentReport, ControlMetricsMatchHandComputation) {
  // Per-viewer (numerator, denominator) for v1, v2, then R and the delta-method se. With equal
  // denominators d, se = |x1 - x2| / (2 d) (n = 2: sxx = (x1 - x2)^2 / 2, var = sxx / d^2 / 2).
  const ArmReport control = build_experiment_report(two_arm_log()).arms[0];
  expect_metric(control, kEngagementRate, 3.0 / 8, 0.125);  // (2,4) (1,4)
  expect_metric(control, kViewRate, 2.0 / 8, 0);            // (1,4) (1,4)
  expect_metric(control, kLikeRate, 1.0 / 8, 0.125);        // (1,4) (0,4)
  expect_metric(control, kCommentRate, 1.0 / 8, 0.125);     // (1,4) (0,4)
  expect_metric(control, kShareRate, 0, 0);                 // (0,4) (0,4)
  expect_metric(control, kEngagementsPerViewer, 2, 1);      // (3,1) (1,1)
  // (5,2) (4,1): R = 9/3 = 3; mx = 4.5, my = 1.5, sxx = syy = sxy = 0.5;
  // var = (0.5/2.25 - 2*4.5*0.5/3.375 + 20.25*0.5/5.0625) / 2 = (2/9 - 4/3 + 2) / 2 = 4/9.
  expect_metric(control, kEngagedPosition, 3, 2.0 / 3);
  expect_metric(control, kServedAgeHours, 14.0 / 8, 0.25);  // (8,4) (6,4)
  expect_metric(control, kAuthorDiversity, 6.0 / 8, 0);     // (3,4) (3,4)
  expect_metric(control, kInNetworkShare, 5.0 / 8, 0.125);  // (2,4) (3,4)
}

TEST(ExperimentReport, TreatmentMetricsMatchHandComputation) {
  const ArmReport treatment = build_experiment_report(two_arm_log()).arms[1];
  expect_metric(treatment, kEngagementRate, 2.0 / 8, 0.25);   // (2,4) (0,4)
  expect_metric(treatment, kLikeRate, 2.0 / 8, 0.25);         // (2,4) (0,4)
  expect_metric(treatment, kShareRate, 1.0 / 8, 0.125);       // (1,4) (0,4)
  expect_metric(treatment, kEngagementsPerViewer, 1.5, 1.5);  // (3,1) (0,1)
  // (4,2) and v4's (0,0): R = 2; mx = 2, my = 1, sxx = 8, syy = 2, sxy = 4;
  // var = (8 - 2*2*4 + 4*2) / 2 = 0: v4 adds nothing to either sum.
  expect_metric(treatment, kEngagedPosition, 2, 0);
  expect_metric(treatment, kServedAgeHours, 2, 0);             // (8,4) (8,4)
  expect_metric(treatment, kAuthorDiversity, 7.0 / 8, 0.125);  // (3,4) (4,4)
  expect_metric(treatment, kInNetworkShare, 4.0 / 8, 0.25);    // (1,4) (3,4)
  // No views or comments were credited in treatment: 0, defined (there are impressions).
  expect_metric(treatment, kViewRate, 0, 0);
  expect_metric(treatment, kCommentRate, 0, 0);
}

TEST(ExperimentReport, ComparesEveryLaterArmWithTheFirstPerMetric) {
  const ExperimentReport report = build_experiment_report(two_arm_log());
  ASSERT_EQ(report.comparisons.size(), static_cast<std::size_t>(kReportMetricCount));
  for (int m = 0; m < kReportMetricCount; ++m) {
    EXPECT_EQ(report.comparisons[m].metric, report_metric_names()[m]);
    EXPECT_EQ(report.comparisons[m].arm, "treatment");
    EXPECT_EQ(report.comparisons[m].baseline, "control");
    EXPECT_FALSE(report.comparisons[m].significant);  // two viewers per arm: nothing is
  }
  // engagement_rate: 0.25 - 0.375 = -0.125; se = sqrt(0.125^2 + 0.25^2) = 0.2795085;
  // z = -0.4472136; relative -0.125 / 0.375 = -1/3.
  const RatioComparison& rate = report.comparisons[kEngagementRate].comparison;
  EXPECT_TRUE(rate.defined);
  EXPECT_NEAR(rate.difference, -0.125, 1e-12);
  EXPECT_NEAR(rate.relative, -1.0 / 3, 1e-12);
  EXPECT_NEAR(rate.z, -0.4472135955, 1e-9);
  EXPECT_NEAR(rate.p_value, two_sided_normal_p(-0.4472135955), 1e-9);
  // view_rate: 0.25 (se 0) vs 0 (se 0): no variance, undefined.
  EXPECT_FALSE(report.comparisons[kViewRate].comparison.defined);
  // share_rate: from 0: z = 0.125 / 0.125 = 1, and no relative change (NaN).
  EXPECT_NEAR(report.comparisons[kShareRate].comparison.z, 1, 1e-12);
  EXPECT_TRUE(std::isnan(report.comparisons[kShareRate].comparison.relative));
}

TEST(ExperimentReport, ArmsInConfigOrderThenOthersByName) {
  // "zeta" and "beta" are only in the log; "unused" is configured but never served.
  ReportInput input;
  input.arm_order = {"treatment", "control", "unused"};
  add_page(input, "zeta", 1, 1, 0, 0, {{1, 1}});
  add_page(input, "control", 2, 2, 0, 0, {{1, 1}});
  add_page(input, "beta", 3, 3, 0, 0, {{1, 1}});
  add_page(input, "treatment", 4, 4, 0, 0, {{1, 1}});
  const ExperimentReport report = build_experiment_report(input);
  std::vector<std::string> arms;
  for (const ArmReport& arm : report.arms) arms.push_back(arm.arm);
  EXPECT_THAT(arms, ElementsAre("treatment", "control", "unused", "beta", "zeta"));
  EXPECT_EQ(report.arms[2].viewers, 0u);
  EXPECT_FALSE(report.arms[2].metrics[kEngagementRate].defined);
  // 4 later arms x 10 metrics, against "treatment"; grouped by arm in report order.
  ASSERT_EQ(report.comparisons.size(), 40u);
  EXPECT_EQ(report.comparisons[0].baseline, "treatment");
  EXPECT_EQ(report.comparisons[0].arm, "control");
  EXPECT_EQ(report.comparisons[10].arm, "unused");
  EXPECT_EQ(report.comparisons[39].arm, "zeta");
  EXPECT_EQ(report.comparisons[39].metric, std::string("in_network_share"));
}

TEST(ExperimentReport, ViewerInTwoArmsCountsInEach) {
  // Viewer 7 moves from "a" (post 1 at 0) to "b" (post 2 at 10 s) after a config change.
  // The unattributed like at 5 s falls to "a" (latest impression before it), the one at 10.5 s
  // to "b"; the view of post 2 at 10.1 s is credited to "b".
  ReportInput input;
  input.attribution_window_ms = kWindow;
  input.arm_order = {"a", "b"};
  add_page(input, "a", 7, 1, 0, 0, {{1, 1}});
  add_page(input, "b", 7, 2, 10'000, 0, {{2, 1}, {3, 1}});
  add_engagement(input, 7, 9, kLike, 5000);
  add_engagement(input, 7, 9, kLike, 10'500);
  add_engagement(input, 7, 2, kView, 10'100);
  const ExperimentReport report = build_experiment_report(input);
  ASSERT_EQ(report.arms.size(), 2u);
  EXPECT_EQ(report.arms[0].viewers, 1u);
  EXPECT_EQ(report.arms[0].impressions, 1u);
  EXPECT_EQ(report.arms[0].unattributed, 1u);
  EXPECT_THAT(report.arms[0].attributed, ElementsAre(0, 0, 0, 0));
  EXPECT_EQ(report.arms[1].viewers, 1u);
  EXPECT_EQ(report.arms[1].impressions, 2u);
  EXPECT_EQ(report.arms[1].unattributed, 1u);
  EXPECT_THAT(report.arms[1].attributed, ElementsAre(1, 0, 0, 0));
  EXPECT_DOUBLE_EQ(report.arms[1].metrics[kEngagementRate].value, 0.5);  // 1 of 2 impressions
}

// One interleaved page of `a` (team A) and `b` (team B) items, one post each.
void add_interleaved_page(ReportInput& input, UserId viewer, std::uint64_t request, TimestampMs at,
                          PostId a, PostId b) {
  add_page(input, "interleaved", viewer, request, at, 0,
           {{a, 1, kPopular, 0, InterleavingTeam::kA}, {b, 2, kPopular, 0, InterleavingTeam::kB}});
}

TEST(ExperimentReport, InterleavedArmCountsWinsPerViewer) {
  // v1: page 1 A 2-1 (like+view on 11, view on 12), page 2 B 0-1 (view on 14): 2-2 over the
  //     viewer's pages, a tie. v2: B 0-1. v3: no engagement, a tie. v4..v8: A 1-0 each.
  // wins A 5, B 1, ties 2; engagements A 2+5 = 7, B 2+1 = 3;
  // p = 2 * P(X <= 1 | n = 6) = 2 * (1 + 6) / 64 = 0.21875.
  ReportInput input;
  input.attribution_window_ms = kWindow;
  input.arm_order = {"plain", "interleaved"};
  add_page(input, "plain", 50, 50, 0, 0, {{500, 1}});
  add_engagement(input, 50, 500, kLike, 10);
  add_interleaved_page(input, 1, 1, 0, 11, 12);
  add_interleaved_page(input, 1, 2, 5000, 13, 14);
  add_engagement(input, 1, 11, kLike, 100);
  add_engagement(input, 1, 11, kView, 200);
  add_engagement(input, 1, 12, kView, 300);
  add_engagement(input, 1, 14, kView, 5100);
  add_interleaved_page(input, 2, 3, 0, 21, 22);
  add_engagement(input, 2, 22, kView, 100);
  add_interleaved_page(input, 3, 4, 0, 31, 32);
  for (UserId v = 4; v <= 8; ++v) {
    add_interleaved_page(input, v, 10 + v, 0, 10 * v + 1, 10 * v + 2);
    add_engagement(input, v, 10 * v + 1, kLike, 100);
  }
  const ExperimentReport report = build_experiment_report(input);
  ASSERT_EQ(report.interleaving.size(), 1u);  // "plain" has no teams
  const InterleavingResult& result = report.interleaving[0];
  EXPECT_EQ(result.arm, "interleaved");
  EXPECT_EQ(result.viewers, 8u);
  EXPECT_EQ(result.wins_a, 5u);
  EXPECT_EQ(result.wins_b, 1u);
  EXPECT_EQ(result.ties, 2u);
  EXPECT_THAT(result.engagements, ElementsAre(7, 3));
  EXPECT_NEAR(result.p_value, 0.21875, 1e-12);
}

TEST(ExperimentReport, EmptyLog) {
  ReportInput input;
  input.arm_order = {"control"};
  input.engagements.push_back({1, 1, kLike, 5});
  const ExperimentReport report = build_experiment_report(input);
  EXPECT_EQ(report.first_served, 0);
  EXPECT_EQ(report.last_served, 0);
  ASSERT_EQ(report.arms.size(), 1u);
  EXPECT_EQ(report.arms[0].viewers, 0u);
  EXPECT_EQ(report.unattributed, 0u);
  EXPECT_TRUE(report.comparisons.empty());
}

TEST(ExperimentReport, InNetworkShareCountsFolloweesPostsWhicheverSourceFoundThem) {
  ReportInput input;
  input.experiment = "e";
  input.arm_order = {"only"};
  // A followee's post found by the popular source is in network; a stranger's is not.
  add_page(input, "only", 1, 11, 0, 0,
           {{1, 50, CandidateSource::kPopular, 1, InterleavingTeam::kNone, true},
            {2, 51, CandidateSource::kPopular, 1, InterleavingTeam::kNone, false},
            {3, 52, CandidateSource::kFollowing, 1}});
  const ExperimentReport report = build_experiment_report(input);
  ASSERT_EQ(report.arms.size(), 1u);
  EXPECT_DOUBLE_EQ(report.arms[0].metrics[kInNetworkShare].value, 2.0 / 3.0);
}

}  // namespace
}  // namespace feedrank::ranker
