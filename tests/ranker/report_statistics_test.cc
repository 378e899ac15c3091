// The report's statistics against hand computations: delta-method ratios, the z-test, the exact
// sign test and Holm's step-down correction.
#include "ranker/experiments/report_statistics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace feedrank::ranker {
namespace {

using ::testing::ElementsAre;

constexpr double kZ95 = 1.959963984540054;

TEST(ReportStatistics, RatioByDeltaMethodOnThreeViewers) {
  // (x, y) = (1, 2), (2, 2), (3, 4): R = 6 / 8 = 0.75; mx = 2, my = 8/3.
  // Deviations dx = -1, 0, 1; dy = -2/3, -2/3, 4/3 -> sxx = 2/2 = 1, syy = (24/9)/2 = 4/3,
  // sxy = (2/3 + 4/3)/2 = 1.
  // var = (1/(64/9) - 2*2*1/(512/27) + 4*(4/3)/(4096/81)) / 3
  //     = (0.140625 - 0.2109375 + 0.10546875) / 3 = 0.03515625 / 3 = 3/256; se = sqrt(3)/16.
  const std::vector<RatioSample> viewers = {{1, 2}, {2, 2}, {3, 4}};
  const RatioEstimate r = estimate_ratio(viewers);
  const double se = std::sqrt(3.0) / 16;  // 0.10825...
  EXPECT_TRUE(r.defined);
  EXPECT_EQ(r.viewers, 3u);
  EXPECT_DOUBLE_EQ(r.value, 0.75);
  EXPECT_NEAR(r.std_error, se, 1e-12);
  EXPECT_NEAR(r.ci_low, 0.75 - kZ95 * se, 1e-12);   // 0.53783
  EXPECT_NEAR(r.ci_high, 0.75 + kZ95 * se, 1e-12);  // 0.96217
}

TEST(ReportStatistics, UnitDenominatorsGiveTheMeanAndItsStandardError) {
  // x = 1, 2, 3, 6: mean 3; s^2 = (4 + 1 + 0 + 9) / 3 = 14/3; se = s / sqrt(4) = sqrt(7/6).
  const std::vector<RatioSample> viewers = {{1, 1}, {2, 1}, {3, 1}, {6, 1}};
  const RatioEstimate r = estimate_ratio(viewers);
  EXPECT_TRUE(r.defined);
  EXPECT_DOUBLE_EQ(r.value, 3);
  EXPECT_NEAR(r.std_error, std::sqrt(7.0 / 6), 1e-12);
}

TEST(ReportStatistics, UndefinedWithoutDenominators) {
  const std::vector<RatioSample> zeros = {{0, 0}, {0, 0}};
  EXPECT_FALSE(estimate_ratio(zeros).defined);
  EXPECT_EQ(estimate_ratio(zeros).viewers, 2u);
  EXPECT_FALSE(estimate_ratio({}).defined);
}

TEST(ReportStatistics, OneViewerHasNoStandardError) {
  const std::vector<RatioSample> one = {{3, 4}};
  const RatioEstimate r = estimate_ratio(one);
  EXPECT_TRUE(r.defined);
  EXPECT_DOUBLE_EQ(r.value, 0.75);
  EXPECT_EQ(r.std_error, 0);
  EXPECT_EQ(r.ci_low, 0.75);
  EXPECT_EQ(r.ci_high, 0.75);
}

RatioEstimate estimate(double value, double std_error) {
  return RatioEstimate{true, value, std_error, 0, 0, 100};
}

TEST(ReportStatistics, CompareRatiosByZTest) {
  // 0.13 - 0.10 = 0.03; se = sqrt(0.01^2 + 0.02^2) = sqrt(0.0005) = 0.0223607;
  // z = 1.3416408; p = erfc(z / sqrt 2) = 0.1797125; relative 0.03 / 0.10 = 0.3.
  const RatioComparison c = compare_ratios(estimate(0.10, 0.01), estimate(0.13, 0.02));
  EXPECT_TRUE(c.defined);
  EXPECT_NEAR(c.difference, 0.03, 1e-12);
  EXPECT_NEAR(c.relative, 0.3, 1e-12);
  EXPECT_NEAR(c.z, 1.3416407865, 1e-9);
  EXPECT_NEAR(c.p_value, 0.1797124949, 1e-9);
  // Swapped: the same p, the opposite sign.
  EXPECT_NEAR(compare_ratios(estimate(0.13, 0.02), estimate(0.10, 0.01)).z, -1.3416407865, 1e-9);
}

TEST(ReportStatistics, CompareRatiosUndefinedWithoutVarianceOrEstimates) {
  EXPECT_FALSE(compare_ratios(estimate(0.1, 0), estimate(0.2, 0)).defined);
  EXPECT_EQ(compare_ratios(estimate(0.1, 0), estimate(0.2, 0)).p_value, 1);
  EXPECT_FALSE(compare_ratios(RatioEstimate{}, estimate(0.2, 0.01)).defined);
  // A control of 0 has no relative change, but the comparison stands: z = 0.2 / 0.1 = 2.
  const RatioComparison from_zero = compare_ratios(estimate(0, 0), estimate(0.2, 0.1));
  EXPECT_TRUE(from_zero.defined);
  EXPECT_TRUE(std::isnan(from_zero.relative));
  EXPECT_NEAR(from_zero.z, 2, 1e-12);
}

// An arm of one viewer has no variance to estimate; its standard error of 0 must not make a
// comparison against it look certain (here z would be about 30).
TEST(ReportStatistics, CompareRatiosUndefinedWithAnArmOfOneViewer) {
  const std::vector<RatioSample> one = {{0, 20}};
  std::vector<RatioSample> many;
  for (int i = 0; i < 100; ++i) many.push_back({static_cast<double>(1 + i % 2), 20});
  const RatioEstimate single = estimate_ratio(one);
  const RatioEstimate hundred = estimate_ratio(many);
  ASSERT_TRUE(single.defined);
  ASSERT_GT(hundred.std_error, 0);
  EXPECT_FALSE(compare_ratios(single, hundred).defined);
  EXPECT_EQ(compare_ratios(single, hundred).p_value, 1);
  EXPECT_FALSE(compare_ratios(hundred, single).defined);
  EXPECT_TRUE(compare_ratios(hundred, hundred).defined);
}

TEST(ReportStatistics, TwoSidedNormalTail) {
  EXPECT_NEAR(two_sided_normal_p(1.959964), 0.05, 1e-8);
  EXPECT_NEAR(two_sided_normal_p(-1.959964), 0.05, 1e-8);
  EXPECT_DOUBLE_EQ(two_sided_normal_p(0), 1);
}

TEST(ReportStatistics, SignTestSmallCasesExactly) {
  EXPECT_EQ(sign_test_p_value(0, 0), 1);
  EXPECT_EQ(sign_test_p_value(3, 3), 1);
  EXPECT_NEAR(sign_test_p_value(5, 0), 0.0625, 1e-12);  // 2 * (1/2)^5
  // 2 * (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 2 * (1 + 12 + 66) / 4096.
  EXPECT_NEAR(sign_test_p_value(10, 2), 0.03857421875, 1e-12);
  EXPECT_EQ(sign_test_p_value(2, 10), sign_test_p_value(10, 2));
  // 2 * P(X <= 1), n = 3: 2 * (1 + 3) / 8 = 1.
  EXPECT_NEAR(sign_test_p_value(2, 1), 1, 1e-12);
}

TEST(ReportStatistics, SignTestLargeCasesStayFinite) {
  // 5200 vs 4800: exact 2 * sum_{i<=4800} C(10000, i) / 2^10000 = 6.5935156e-5 (big integers).
  EXPECT_NEAR(sign_test_p_value(5200, 4800) / 6.593515598672442e-05, 1, 1e-7);
  EXPECT_EQ(sign_test_p_value(4800, 5200), sign_test_p_value(5200, 4800));
  // 1,001,000 vs 999,000: about the normal tail with continuity correction, z = 999.5 / 707.1,
  // p = 0.15751.
  EXPECT_NEAR(sign_test_p_value(1'001'000, 999'000), 0.15751, 1e-3);
  EXPECT_EQ(sign_test_p_value(1'000'000, 1'000'000), 1);
  // 2 * 2^-1000 = 1.866e-301, still a double; 2 * 2^-3000 underflows to 0, never NaN.
  EXPECT_NEAR(sign_test_p_value(1000, 0) / (2 * std::pow(2.0, -1000)), 1, 1e-9);
  EXPECT_EQ(sign_test_p_value(0, 3000), 0);
}

TEST(ReportStatistics, HolmStepsDownUntilTheFirstFailure) {
  // Sorted: 0.005 <= 0.05/4 yes; 0.01 <= 0.05/3 yes; 0.03 <= 0.05/2 no: stop (0.04 untested).
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
  EXPECT_THAT(holm_significant(p, 0.05), ElementsAre(true, false, false, true));
  // 0.001 <= 0.05/3 yes; 0.03 <= 0.05/2 no: stop, though the other 0.03 <= 0.05/1.
  const std::vector<double> stops = {0.03, 0.03, 0.001};
  EXPECT_THAT(holm_significant(stops), ElementsAre(false, false, true));
  // 0.001 <= 0.05/3, 0.02 <= 0.05/2, 0.04 <= 0.05/1: all.
  const std::vector<double> all = {0.02, 0.001, 0.04};
  EXPECT_THAT(holm_significant(all), ElementsAre(true, true, true));
  EXPECT_TRUE(holm_significant({}).empty());
}

}  // namespace
}  // namespace feedrank::ranker
