// From model weights to a RankingConfig and back: features are weights, source indicators are
// ln(scale) over in-network; the rest of the base config is kept; the version names the input
// and the cut's day. Also the model's columns and the examples built from ranking candidates.
#include <gtest/gtest.h>

#include <cmath>

#include "ranker/scoring/ranking_config.h"
#include "tools/fit/candidate_examples.h"
#include "tools/fit/fitted_config.h"
#include "tools/fit/model_columns.h"

namespace feedrank::fit {
namespace {

using ranker::CandidateSource;
using ranker::Feature;

float scale(const ranker::RankingConfig& config, CandidateSource source) {
  return config.source_scales[static_cast<std::size_t>(source)];
}

std::vector<double> example_weights() {
  std::vector<double> weights(kModelColumns);
  for (int f = 0; f < ranker::kFeatureCount; ++f) weights[f] = 0.25 * f - 1.0;
  weights[*source_column(CandidateSource::kOutOfNetwork)] = std::log(2.0);
  weights[*source_column(CandidateSource::kNetworkEngagement)] = -std::log(4.0);
  weights[*source_column(CandidateSource::kPopular)] = 0.0;
  weights[*source_column(CandidateSource::kCollaborative)] = 30.0;  // e^30 is past the range
  return weights;
}

ranker::RankingConfig unusual_base() {
  ranker::RankingConfig base = ranker::default_ranking_config();
  base.version = "base-7";
  base.ranked_list_size = 123;
  base.recency_half_life_ms = 5 * 3'600'000;
  base.author_decay = 0.5f;
  base.source_scales[static_cast<std::size_t>(CandidateSource::kFollowing)] = 3.0f;
  base.source_scales[static_cast<std::size_t>(CandidateSource::kSelf)] = 0.5f;
  return base;
}

TEST(ModelColumns, FeaturesThenSourceIndicators) {
  EXPECT_EQ(kModelColumns, ranker::kFeatureCount + 4);
  EXPECT_EQ(column_name(kInterceptColumn), "bias");
  EXPECT_EQ(column_name(static_cast<int>(Feature::kSimilarity)), "similarity");
  EXPECT_EQ(column_name(ranker::kFeatureCount), "source:out_of_network");
  EXPECT_EQ(column_name(kModelColumns - 1), "source:collaborative");
  EXPECT_FALSE(source_column(CandidateSource::kFollowing).has_value());  // the reference
  EXPECT_FALSE(source_column(CandidateSource::kSelf).has_value());
  EXPECT_EQ(source_column(CandidateSource::kPopular), ranker::kFeatureCount + 2);
}

TEST(FittedConfig, FeatureWeightsAndSourceScalesAreTheModels) {
  const std::vector<double> weights = example_weights();
  const ranker::RankingConfig config = fitted_ranking_config(unusual_base(), weights, "fitted-x");
  for (int f = 0; f < ranker::kFeatureCount; ++f) {
    EXPECT_EQ(config.weights[f], static_cast<float>(weights[f]))
        << ranker::feature_name(Feature(f));
  }
  EXPECT_EQ(scale(config, CandidateSource::kFollowing), 1.0f);  // the reference
  EXPECT_NEAR(scale(config, CandidateSource::kOutOfNetwork), 2.0, 1e-6);
  EXPECT_NEAR(scale(config, CandidateSource::kNetworkEngagement), 0.25, 1e-6);
  EXPECT_EQ(scale(config, CandidateSource::kPopular), 1.0f);
  EXPECT_EQ(scale(config, CandidateSource::kCollaborative), static_cast<float>(kMaxSourceScale));
  // Back to model weights: the same, but for the clamped scale.
  const std::vector<double> back = model_weights(config);
  for (int column = 0; column + 1 < kModelColumns; ++column) {
    EXPECT_NEAR(back[column], weights[column], 1e-6) << column_name(column);
  }
}

TEST(FittedConfig, KeepsEveryOtherSettingOfTheBaseAndParses) {
  const ranker::RankingConfig base = unusual_base();
  const ranker::RankingConfig config = fitted_ranking_config(base, example_weights(), "fitted-x");
  EXPECT_EQ(config.version, "fitted-x");
  EXPECT_EQ(config.ranked_list_size, 123);
  EXPECT_EQ(config.recency_half_life_ms, base.recency_half_life_ms);
  EXPECT_EQ(config.author_decay, 0.5f);
  EXPECT_EQ(config.out_of_network_k, base.out_of_network_k);
  EXPECT_EQ(scale(config, CandidateSource::kSelf), 0.5f);  // not a fitted source
  auto parsed = ranker::parse_ranking_config(ranker::to_json(config));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(ranker::to_json(*parsed), ranker::to_json(config));
}

TEST(FittedConfig, ColumnsNotEstimatedKeepTheBasesValues) {
  ranker::RankingConfig base = unusual_base();  // in-network's scale 3
  base.source_scales[static_cast<std::size_t>(CandidateSource::kPopular)] = 1.5f;
  const auto learned = static_cast<std::size_t>(Feature::kLearnedScore);
  const auto popular = static_cast<std::size_t>(*source_column(CandidateSource::kPopular));
  // What a fit gives a column constant in its data: weight 0, marked not estimated.
  std::vector<double> weights = example_weights();
  weights[learned] = 0.0;
  weights[popular] = 0.0;
  std::vector<bool> estimated(kModelColumns, true);
  estimated[learned] = false;
  estimated[popular] = false;
  const ranker::RankingConfig config = fitted_ranking_config(base, weights, "fitted-x", estimated);
  ASSERT_NE(base.weights[learned], 0.0f);
  EXPECT_EQ(config.weights[learned], base.weights[learned]);
  // The base's scale relative to in-network's, as every fitted scale is.
  EXPECT_FLOAT_EQ(scale(config, CandidateSource::kPopular), 0.5f);
  // The estimated columns are the fit's.
  const auto similarity = static_cast<std::size_t>(Feature::kSimilarity);
  EXPECT_EQ(config.weights[similarity], static_cast<float>(weights[similarity]));
  EXPECT_NEAR(scale(config, CandidateSource::kOutOfNetwork), 2.0, 1e-6);
  EXPECT_EQ(scale(config, CandidateSource::kFollowing), 1.0f);
  // No mask: every column is the fit's, zeros included.
  const ranker::RankingConfig unmasked = fitted_ranking_config(base, weights, "fitted-x");
  EXPECT_EQ(unmasked.weights[learned], 0.0f);
  EXPECT_EQ(scale(unmasked, CandidateSource::kPopular), 1.0f);
}

TEST(FittedConfig, ExtremeWeightsAreClampedToWhatAConfigAccepts) {
  std::vector<double> weights(kModelColumns, 0.0);
  weights[static_cast<int>(Feature::kLikes)] = 1e9;
  weights[*source_column(CandidateSource::kPopular)] = -100;  // e^-100 is below the range
  const auto config = fitted_ranking_config(ranker::default_ranking_config(), weights, "v");
  EXPECT_EQ(config.weights[static_cast<int>(Feature::kLikes)], static_cast<float>(kMaxAbsWeight));
  EXPECT_GE(scale(config, CandidateSource::kPopular), kMinSourceScale);  // as a double, too
  EXPECT_NEAR(scale(config, CandidateSource::kPopular), kMinSourceScale, 1e-12);
  EXPECT_TRUE(ranker::parse_ranking_config(ranker::to_json(config)).ok());
}

TEST(FittedVersion, NamesTheInputAndTheCutsDay) {
  EXPECT_EQ(fitted_version("lastfm-2k", 1'280'620'800'000), "fitted-lastfm-2k-2010-08-01");
  // 23:59:59.999 is still that day.
  EXPECT_EQ(fitted_version("x", 1'280'620'800'000 - 1), "fitted-x-2010-07-31");
}

TEST(CandidateExamples, OneRowPerCandidateWithItsSourceAndLabel) {
  ranker::ScoringInput input;
  input.candidates = {{.post = 1, .source = CandidateSource::kFollowing},
                      {.post = 2, .source = CandidateSource::kPopular},
                      {.post = 3, .source = CandidateSource::kCollaborative}};
  for (int i = 0; i < 3 * ranker::kFeatureCount; ++i) input.features.push_back(0.5f * i);
  ExampleMatrix examples(kModelColumns);
  append_candidate_examples(input, replay::PostSet{2, 99}, examples);
  ASSERT_EQ(examples.rows(), 3u);
  EXPECT_EQ(std::vector<std::uint8_t>(examples.labels().begin(), examples.labels().end()),
            (std::vector<std::uint8_t>{0, 1, 0}));
  for (std::size_t i = 0; i < 3; ++i) {
    const auto row = examples.row(i);
    for (int f = 0; f < ranker::kFeatureCount; ++f) {
      EXPECT_EQ(row[f], 0.5f * (i * ranker::kFeatureCount + f));
    }
    for (CandidateSource source : kIndicatorSources) {
      const bool is_its_source = source == input.candidates[i].source;
      EXPECT_EQ(row[*source_column(source)], is_its_source ? 1.0f : 0.0f) << i;
    }
  }
}

}  // namespace
}  // namespace feedrank::fit
