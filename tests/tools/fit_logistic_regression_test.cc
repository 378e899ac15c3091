// The logistic regression recovers the weights of a known model from data sampled from it, is
// deterministic, gives constant columns weight 0 and marks them not estimated, does not penalise
// the intercept, never lets the loss rise (nor the weights run away on separable data without a
// penalty), and refuses data it cannot fit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>

#include "tools/fit/line_search.h"
#include "tools/fit/logistic_function.h"
#include "tools/fit/logistic_regression.h"

namespace feedrank::fit {
namespace {

// Uniform in [0, 1) and standard normal draws that are the same on every machine (std's
// distributions are not specified exactly).
class Draws {
 public:
  explicit Draws(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1p-53; }
  double normal() {  // Box-Muller
    const double u = 1.0 - uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * uniform());
  }

 private:
  std::mt19937_64 engine_;
};

// Columns: intercept, N(0, 1), N(1, 2^2), Bernoulli(0.5), the constant 5.
constexpr std::array<double, 5> kTrueWeights = {-1.0, 1.5, -0.7, 0.8, 0.0};

ExampleMatrix sample_known_model(std::size_t rows, std::uint64_t seed) {
  Draws draws(seed);
  ExampleMatrix examples(5);
  for (std::size_t i = 0; i < rows; ++i) {
    const std::array<float, 5> row = {1.0f, static_cast<float>(draws.normal()),
                                      static_cast<float>(1.0 + 2.0 * draws.normal()),
                                      draws.uniform() < 0.5 ? 1.0f : 0.0f, 5.0f};
    double logit = 0;
    for (std::size_t j = 0; j < row.size(); ++j) logit += kTrueWeights[j] * row[j];
    examples.add_row(row, draws.uniform() < sigmoid(logit));
  }
  return examples;
}

TEST(LogisticRegression, RecoversTheWeightsOfTheModelTheDataCameFrom) {
  const ExampleMatrix examples = sample_known_model(40'000, 42);
  auto fit = fit_logistic_regression(examples);  // l2 = 1: negligible shrinkage at 40,000 rows
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_TRUE(fit->converged);
  EXPECT_LT(fit->iterations, 15);
  ASSERT_EQ(fit->weights.size(), kTrueWeights.size());
  // Over 60 seeds the weights' standard errors here are 0.008-0.027, so 0.1 is almost four of
  // the largest: room for the sample, not for a bug (a weight left in standardised units or a
  // lost intercept correction is off by 0.7 or more).
  for (std::size_t j = 0; j < kTrueWeights.size(); ++j) {
    EXPECT_NEAR(fit->weights[j], kTrueWeights[j], 0.1) << "column " << j;
  }
}

TEST(LogisticRegression, IsDeterministic) {
  const ExampleMatrix examples = sample_known_model(5'000, 7);
  auto first = fit_logistic_regression(examples);
  auto second = fit_logistic_regression(examples);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->weights, second->weights);
  EXPECT_EQ(first->iterations, second->iterations);
}

TEST(LogisticRegression, ConstantColumnsGetWeightZero) {
  const ExampleMatrix examples = sample_known_model(2'000, 3);
  auto fit = fit_logistic_regression(examples);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_EQ(fit->weights[4], 0.0);  // exactly: left out of the model, not just small
  // And marked so: a weight of 0 there says nothing about the column.
  EXPECT_EQ(fit->estimated, (std::vector<bool>{true, true, true, true, false}));
}

// Labels that the second column separates with a margin (|x| >= 1 on either side), and a third
// column of noise: without a penalty the best weights are infinite.
ExampleMatrix separable_examples() {
  ExampleMatrix examples(3);
  for (int i = 0; i < 200; ++i) {
    const bool label = i % 2 == 1;
    const double x = label ? 1 + (i % 7) / 7.0 : -(1 + (i % 5) / 5.0);
    const double noise = ((i * 37) % 11) / 11.0 - 0.5;
    examples.add_row(std::array<float, 3>{1.0f, static_cast<float>(x), static_cast<float>(noise)},
                     label);
  }
  return examples;
}

TEST(LogisticRegression, SeparableDataWithoutPenaltyGivesFiniteWeightsAndTheLossNeverRises) {
  const ExampleMatrix examples = separable_examples();
  LogisticOptions options;
  options.l2 = 0;
  auto fit = fit_logistic_regression(examples, options);
  ASSERT_TRUE(fit.ok()) << fit.status();
  for (double weight : fit->weights) EXPECT_TRUE(std::isfinite(weight)) << weight;
  EXPECT_GT(fit->weights[1], 10.0);  // large, as the data asks, but finite
  const std::vector<double> logits = predict_logits(examples, fit->weights);
  for (std::size_t i = 0; i < examples.rows(); ++i) {
    EXPECT_EQ(logits[i] > 0, examples.labels()[i] == 1) << "row " << i;
  }
  // The start, then one loss per step taken.
  ASSERT_EQ(fit->losses.size(), static_cast<std::size_t>(fit->iterations) + (fit->stalled ? 0 : 1));
  for (std::size_t i = 1; i < fit->losses.size(); ++i) {
    const double before = fit->losses[i - 1];
    EXPECT_LE(fit->losses[i], before + kLossRoundingSlack * std::abs(before)) << "step " << i;
  }
  EXPECT_LT(fit->losses.back(), fit->losses.front());
}

TEST(BacktrackingStep, HalvesAnOvershootingStepUntilTheLossIsNoHigher) {
  const LossAt square = [](std::span<const double> x) { return x[0] * x[0]; };
  const std::vector<double> start = {1.0};
  // From 1 along -3: -2 (loss 4) is worse than 1, -0.5 (0.25) is not.
  const auto step = backtracking_step(start, 1.0, std::vector<double>{3.0}, square);
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(step->point, std::vector<double>{-0.5});
  EXPECT_EQ(step->loss, 0.25);
}

TEST(BacktrackingStep, KeepsTheStartWhenNoStepLowersTheLoss) {
  // An ascent direction: every step, however small, raises the loss; taking the last one anyway
  // would return a worse point than the start.
  const LossAt square = [](std::span<const double> x) { return x[0] * x[0]; };
  const std::vector<double> start = {1.0};
  EXPECT_FALSE(backtracking_step(start, 1.0, std::vector<double>{-1.0}, square).has_value());
  // A loss that is not a number never qualifies either.
  const LossAt not_a_number = [](std::span<const double>) { return std::nan(""); };
  EXPECT_FALSE(backtracking_step(start, 1.0, std::vector<double>{1.0}, not_a_number).has_value());
}

TEST(LogisticRegression, ABarelyVaryingColumnBuysNoHugeWeight) {
  // A copy of the strongest feature, scaled down to 1e-9: standardised, it is as predictive as
  // the original, so a penalty on standardised weights would let it take a weight near 1e9.
  const ExampleMatrix base = sample_known_model(5'000, 5);
  ExampleMatrix examples(6);
  for (std::size_t i = 0; i < base.rows(); ++i) {
    std::array<float, 6> row{};
    std::copy(base.row(i).begin(), base.row(i).end(), row.begin());
    row[5] = 1e-9f * row[1];
    examples.add_row(row, base.labels()[i]);
  }
  auto fit = fit_logistic_regression(examples);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_LT(std::abs(fit->weights[5]), 1.0);
  EXPECT_NEAR(fit->weights[1], kTrueWeights[1], 0.15);  // the original keeps its weight
}

TEST(LogisticRegression, TheInterceptIsNotPenalised) {
  const ExampleMatrix examples = sample_known_model(5'000, 11);
  LogisticOptions options;
  options.l2 = 1e12;  // every other weight is crushed to ~0...
  auto fit = fit_logistic_regression(examples, options);
  ASSERT_TRUE(fit.ok()) << fit.status();
  for (std::size_t j = 1; j < 4; ++j) EXPECT_NEAR(fit->weights[j], 0.0, 1e-6) << "column " << j;
  // ...and the intercept alone matches the base rate.
  const double rate = static_cast<double>(examples.positives()) / examples.rows();
  EXPECT_NEAR(fit->weights[0], std::log(rate / (1 - rate)), 1e-6);
}

TEST(LogisticRegression, PredictLogitsIsTheWeightedSum) {
  ExampleMatrix examples(3);
  examples.add_row(std::array<float, 3>{1, 2, -1}, true);
  examples.add_row(std::array<float, 3>{1, 0, 4}, false);
  const std::vector<double> weights = {0.5, 2, -0.25};
  EXPECT_EQ(predict_logits(examples, weights), (std::vector<double>{4.75, -0.5}));
}

TEST(LogisticRegression, RefusesWhatItCannotFit) {
  ExampleMatrix empty(2);
  EXPECT_TRUE(absl::IsInvalidArgument(fit_logistic_regression(empty).status()));

  ExampleMatrix one_label(2);
  one_label.add_row(std::array<float, 2>{1, 0.5f}, true);
  one_label.add_row(std::array<float, 2>{1, 2.0f}, true);
  EXPECT_TRUE(absl::IsInvalidArgument(fit_logistic_regression(one_label).status()));

  ExampleMatrix no_intercept(2);
  no_intercept.add_row(std::array<float, 2>{1, 0.5f}, true);
  no_intercept.add_row(std::array<float, 2>{0, 2.0f}, false);
  EXPECT_TRUE(absl::IsInvalidArgument(fit_logistic_regression(no_intercept).status()));

  ExampleMatrix not_finite(2);
  not_finite.add_row(std::array<float, 2>{1, NAN}, true);
  not_finite.add_row(std::array<float, 2>{1, 2.0f}, false);
  EXPECT_TRUE(absl::IsInvalidArgument(fit_logistic_regression(not_finite).status()));
}

}  // namespace
}  // namespace feedrank::fit
