// The recency column recomputed for another half-life from the log-age column, against values
// worked out by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "ranker/pipeline/features.h"
#include "tools/fit/model_columns.h"
#include "tools/fit/recency_column.h"

namespace feedrank::fit {
namespace {

constexpr auto kRecency = static_cast<std::size_t>(ranker::Feature::kRecency);
constexpr auto kLogAge = static_cast<std::size_t>(ranker::Feature::kLogAge);

// The log-age feature of a post `hours` old, as the hydrator stores it.
float log_age(double hours) { return static_cast<float>(std::log1p(hours)); }

TEST(RecencyFromLogAge, HalvesPerHalfLife) {
  // 24 hours old: one half-life of 24 h, two of 12 h, a quarter of one of 96 h.
  EXPECT_NEAR(recency_from_log_age(log_age(24), 24), 0.5f, 1e-6f);
  EXPECT_NEAR(recency_from_log_age(log_age(24), 12), 0.25f, 1e-6f);
  EXPECT_NEAR(recency_from_log_age(log_age(24), 96), 0.840896f, 1e-6f);  // 2^-0.25
  // A month (720 h) at a 720-hour half-life, and at 72 hours: 2^-10.
  EXPECT_NEAR(recency_from_log_age(log_age(720), 720), 0.5f, 1e-6f);
  EXPECT_NEAR(recency_from_log_age(log_age(720), 72), 1.0f / 1024, 1e-8f);
}

TEST(RecencyFromLogAge, NewPostsAreOneAndOldOnesUnderflowToZero) {
  EXPECT_EQ(recency_from_log_age(0.0f, 1), 1.0f);
  EXPECT_EQ(recency_from_log_age(0.0f, 8760), 1.0f);
  // A year at a one-hour half-life: 2^-8760 is no float.
  EXPECT_EQ(recency_from_log_age(log_age(8760), 1), 0.0f);
}

TEST(SetRecencyHalfLife, RewritesOnlyTheRecencyColumnOfEveryRow) {
  ExampleMatrix examples(kModelColumns);
  const double ages[] = {0, 6, 48};
  for (double age : ages) {
    std::vector<float> row(kModelColumns, 7.0f);  // 7 wherever the rewrite must not touch
    row[kRecency] = -1.0f;
    row[kLogAge] = log_age(age);
    examples.add_row(row, age > 10);
  }
  set_recency_half_life(examples, 6);
  const float expected[] = {1.0f, 0.5f, 1.0f / 256};  // 2^0, 2^-1, 2^-8
  for (std::size_t i = 0; i < examples.rows(); ++i) {
    const auto row = examples.row(i);
    EXPECT_NEAR(row[kRecency], expected[i], 1e-6f) << "row " << i;
    EXPECT_EQ(row[kLogAge], log_age(ages[i]));
    for (std::size_t j = 0; j < row.size(); ++j) {
      if (j != kRecency && j != kLogAge) {
        EXPECT_EQ(row[j], 7.0f) << "row " << i << " column " << j;
      }
    }
  }
  EXPECT_EQ(examples.positives(), 1u);  // labels untouched
}

}  // namespace
}  // namespace feedrank::fit
