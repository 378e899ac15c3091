// The recency half-life chosen on held-out examples: the grid, the tie rule, and the half-life of
// the model the data came from found again.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "ranker/pipeline/features.h"
#include "tools/fit/half_life_selection.h"
#include "tools/fit/logistic_function.h"
#include "tools/fit/model_columns.h"
#include "tools/fit/recency_column.h"

namespace feedrank::fit {
namespace {

HalfLifeTrial trial(double hours, double loss) {
  HalfLifeTrial t;
  t.hours = hours;
  t.held_out_log_loss = loss;
  return t;
}

TEST(HalfLifeGrid, IsTheFixedGridWithTheBasesHalfLifeAdded) {
  const std::vector<double> fixed(kHalfLifeGridHours.begin(), kHalfLifeGridHours.end());
  EXPECT_EQ(half_life_grid(24), fixed);
  const std::vector<double> with_48 = half_life_grid(48);
  ASSERT_EQ(with_48.size(), fixed.size() + 1);
  EXPECT_EQ(with_48[5], 48);  // between 24 and 72
  EXPECT_TRUE(std::is_sorted(with_48.begin(), with_48.end()));
}

TEST(ChooseHalfLife, LowestHeldOutLossWins) {
  const std::vector<HalfLifeTrial> trials = {trial(1, 0.5), trial(24, 0.45), trial(72, 0.4),
                                             trial(168, 0.41)};
  EXPECT_EQ(choose_half_life(trials, 24), 2u);
}

TEST(ChooseHalfLife, TiesGoToTheBaseThenToTheShorter) {
  // 1 e-12 apart is rounding, not evidence.
  const std::vector<HalfLifeTrial> trials = {trial(1, 0.5), trial(3, 0.4), trial(24, 0.4 + 1e-12),
                                             trial(72, 0.4), trial(168, 0.45)};
  EXPECT_EQ(choose_half_life(trials, 24), 2u);
  EXPECT_EQ(choose_half_life(trials, 168), 1u);  // the base is not among the tied
  EXPECT_EQ(choose_half_life(trials, 12), 1u);   // nor on the grid
}

// Examples whose odds of a label depend on the age through 2^(-age / 72 h) only: the bias, the
// recency and log-age columns as the hydrator fills them, every other column 0.
ExampleMatrix examples_decaying_at_72_hours(std::size_t rows, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  const auto uniform = [&] { return static_cast<double>(engine() >> 11) * 0x1p-53; };
  ExampleMatrix examples(kModelColumns);
  std::vector<float> row(kModelColumns, 0.0f);
  row[static_cast<int>(ranker::Feature::kBias)] = 1.0f;
  for (std::size_t i = 0; i < rows; ++i) {
    const double age_hours = std::expm1(uniform() * std::log(2000.0));  // 0 .. 2000 h, log-even
    row[static_cast<int>(ranker::Feature::kLogAge)] = static_cast<float>(std::log1p(age_hours));
    row[static_cast<int>(ranker::Feature::kRecency)] = -1.0f;  // to be rewritten
    const double logit = -3.0 + 5.0 * std::exp2(-age_hours / 72.0);
    examples.add_row(row, uniform() < sigmoid(logit));
  }
  return examples;
}

TEST(TryHalfLives, FindsTheHalfLifeTheDataCameFrom) {
  ExampleMatrix train = examples_decaying_at_72_hours(20'000, 1);
  ExampleMatrix held_out = examples_decaying_at_72_hours(10'000, 2);
  LogisticOptions options;
  options.intercept_column = kInterceptColumn;
  auto trials = try_half_lives(train, held_out, half_life_grid(24), options);
  ASSERT_TRUE(trials.ok()) << trials.status();
  ASSERT_EQ(trials->size(), kHalfLifeGridHours.size());
  std::string losses;
  for (const HalfLifeTrial& t : *trials) {
    losses += std::to_string(t.hours) + ": " + std::to_string(t.held_out_log_loss) + "\n";
    EXPECT_TRUE(t.fit.converged) << t.hours;
  }
  EXPECT_EQ((*trials)[choose_half_life(*trials, 24)].hours, 72) << losses;
  // The columns are left at the grid's last half-life.
  EXPECT_EQ(train.row(0)[static_cast<int>(ranker::Feature::kRecency)],
            recency_from_log_age(train.row(0)[static_cast<int>(ranker::Feature::kLogAge)],
                                 kHalfLifeGridHours.back()));
}

TEST(TryHalfLives, OneLabelOnlyIsAnErrorNamingTheHalfLife) {
  ExampleMatrix train(kModelColumns), held_out(kModelColumns);
  std::vector<float> row(kModelColumns, 0.0f);
  row[kInterceptColumn] = 1.0f;
  train.add_row(row, false);
  auto trials = try_half_lives(train, held_out, half_life_grid(24), LogisticOptions{});
  EXPECT_TRUE(absl::IsInvalidArgument(trials.status()));
  EXPECT_NE(trials.status().message().find("half-life 1 h"), std::string::npos) << trials.status();
}

}  // namespace
}  // namespace feedrank::fit
