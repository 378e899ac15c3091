// AUC and log loss on examples small enough to compute by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tools/fit/ranking_metrics.h"

namespace feedrank::fit {
namespace {

using Labels = std::vector<std::uint8_t>;

TEST(RocAuc, CountsThePairsAPositiveWins) {
  // Pairs (positive, negative): (0.9, 0.8) (0.9, 0.1) (0.7, 0.1) won, (0.7, 0.8) lost: 3/4.
  EXPECT_DOUBLE_EQ(*roc_auc(std::vector<double>{0.9, 0.8, 0.7, 0.1}, Labels{1, 0, 1, 0}), 0.75);
  EXPECT_DOUBLE_EQ(*roc_auc(std::vector<double>{3, 2, 1}, Labels{1, 1, 0}), 1.0);
  EXPECT_DOUBLE_EQ(*roc_auc(std::vector<double>{3, 2, 1}, Labels{0, 0, 1}), 0.0);
}

TEST(RocAuc, TiesCountHalf) {
  EXPECT_DOUBLE_EQ(*roc_auc(std::vector<double>{0.5, 0.5}, Labels{1, 0}), 0.5);
  // Positives 0.6 and 0.4, negatives 0.4 and 0.2: 1 + 1 + 0.5 (the tie) + 1 of 4 pairs.
  EXPECT_DOUBLE_EQ(*roc_auc(std::vector<double>{0.4, 0.6, 0.2, 0.4}, Labels{0, 1, 0, 1}), 0.875);
  // Every score equal: no better than chance.
  EXPECT_DOUBLE_EQ(*roc_auc(std::vector<double>{1, 1, 1, 1, 1}, Labels{1, 0, 0, 1, 0}), 0.5);
}

TEST(RocAuc, NeedsBothLabels) {
  EXPECT_FALSE(roc_auc(std::vector<double>{1, 2}, Labels{1, 1}).has_value());
  EXPECT_FALSE(roc_auc(std::vector<double>{1, 2}, Labels{0, 0}).has_value());
  EXPECT_FALSE(roc_auc(std::vector<double>{}, Labels{}).has_value());
}

TEST(LogLoss, IsTheMeanNegativeLogLikelihood) {
  // Logit 0: p = 1/2 whatever the label, ln 2 each.
  EXPECT_DOUBLE_EQ(log_loss(std::vector<double>{0, 0}, Labels{1, 0}), std::log(2.0));
  // Logit ln 3: p = 3/4; -ln(3/4) for a positive, -ln(1/4) for a negative.
  const double logit = std::log(3.0);
  EXPECT_NEAR(log_loss(std::vector<double>{logit}, Labels{1}), -std::log(0.75), 1e-12);
  EXPECT_NEAR(log_loss(std::vector<double>{logit}, Labels{0}), -std::log(0.25), 1e-12);
  EXPECT_NEAR(log_loss(std::vector<double>{logit, logit}, Labels{1, 0}),
              (-std::log(0.75) - std::log(0.25)) / 2, 1e-12);
  EXPECT_EQ(log_loss(std::vector<double>{}, Labels{}), 0.0);
}

TEST(LogLoss, ConfidentPredictionsStayFinite) {
  // A confident wrong answer costs about its logit, not infinity; a confident right one ~0.
  EXPECT_NEAR(log_loss(std::vector<double>{-800}, Labels{1}), 800, 1e-9);
  EXPECT_NEAR(log_loss(std::vector<double>{800}, Labels{1}), 0, 1e-300);
}

}  // namespace
}  // namespace feedrank::fit
