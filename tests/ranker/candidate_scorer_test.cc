// CandidateScorer: weights x features plus ln(source scale), on the primary scorer, and the CPU
// twin answering (with a degraded line) when the primary fails with INTERNAL, as a lost GPU does.
#include "ranker/scoring/candidate_scorer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace feedrank::ranker {
namespace {

using ::testing::HasSubstr;

// A scorer that fails like a GPU whose device went away.
class LostGpuScorer final : public kernels::FeatureScorer {
 public:
  std::string describe() const override { return "gpu (lost)"; }
  absl::Status score_checked(const kernels::ScoringBatch&, std::size_t,
                             std::span<float>) const override {
    return absl::InternalError("CUDA error cudaErrorDevicesUnavailable");
  }
};

struct Fixture {
  RankingConfig config = default_ranking_config();
  Candidates candidates{{1, 10, 0, CandidateSource::kFollowing, 0},
                        {2, 11, 0, CandidateSource::kPopular, 0}};
  std::vector<float> features = std::vector<float>(2 * kFeatureCount, 0.0f);

  Fixture() {
    config.weights.fill(0.0f);
    config.weights[static_cast<int>(Feature::kLikes)] = 2.0f;
    config.source_scales[static_cast<int>(CandidateSource::kPopular)] = 4.0f;
    features[static_cast<int>(Feature::kLikes)] = 1.5f;
    features[kFeatureCount + static_cast<int>(Feature::kLikes)] = 0.25f;
  }
};

TEST(CandidateScorer, AddsWeightedFeaturesAndTheLogOfTheSourceScale) {
  Fixture f;
  CandidateScorer scorer;
  std::vector<float> scores(2);
  std::vector<std::string> degraded;
  ASSERT_TRUE(scorer.score(f.config, f.candidates, f.features, scores, degraded).ok());
  EXPECT_FLOAT_EQ(scores[0], 3.0f);
  EXPECT_NEAR(scores[1], 0.5f + std::log(4.0f), 1e-6);
  EXPECT_TRUE(degraded.empty());
}

TEST(CandidateScorer, AFailingPrimaryFallsBackToTheCpuAndSaysSo) {
  Fixture f;
  CandidateScorer scorer(std::make_unique<LostGpuScorer>());
  std::vector<float> scores(2);
  std::vector<std::string> degraded;
  ASSERT_TRUE(scorer.score(f.config, f.candidates, f.features, scores, degraded).ok());
  EXPECT_FLOAT_EQ(scores[0], 3.0f);
  ASSERT_EQ(degraded.size(), 1u);
  EXPECT_THAT(degraded[0], HasSubstr("gpu (lost)"));
  EXPECT_THAT(degraded[0], HasSubstr("cudaErrorDevicesUnavailable"));
}

TEST(CandidateScorer, BadInputIsNotHiddenByTheFallback) {
  Fixture f;
  f.config.weights[0] = NAN;
  CandidateScorer scorer(std::make_unique<LostGpuScorer>());
  std::vector<float> scores(2);
  std::vector<std::string> degraded;
  EXPECT_EQ(scorer.score(f.config, f.candidates, f.features, scores, degraded).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace feedrank::ranker
