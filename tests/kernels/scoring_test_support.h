// Random scoring batches, the references and the bad-argument cases shared by the feature scorer
// tests (CPU twin, GPU twin, kernel emulation).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "kernels/feature_scorer.h"

namespace feedrank::kernels::testing {

// An owned batch: features uniform in [-1, 1], weights uniform in [-2, 2].
struct ScoringInput {
  int columns = 0;
  std::vector<float> features, weights;

  std::size_t rows() const { return features.size() / static_cast<std::size_t>(columns); }
  ScoringBatch batch() const { return ScoringBatch{features, columns, weights}; }
};

inline ScoringInput random_scoring(std::size_t rows, int columns, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f), weight(-2.0f, 2.0f);
  ScoringInput in;
  in.columns = columns;
  in.features.resize(rows * static_cast<std::size_t>(columns));
  for (float& v : in.features) v = value(rng);
  in.weights.resize(static_cast<std::size_t>(columns));
  for (float& w : in.weights) w = weight(rng);
  return in;
}

// Every score within `relative` of sum_j w_j x_j computed in double, relative to that row's
// sum_j |w_j x_j|: the scale a float sum's rounding error is proportional to (relative to the
// sum itself, rows whose terms cancel would need any tolerance).
inline ::testing::AssertionResult near_reference(std::span<const float> got, const ScoringInput& in,
                                                 double relative = 1e-5) {
  const std::size_t rows = in.rows(), columns = static_cast<std::size_t>(in.columns);
  if (got.size() != rows) {
    return ::testing::AssertionFailure() << got.size() << " scores for " << rows << " rows";
  }
  for (std::size_t r = 0; r < rows; ++r) {
    double want = 0.0, scale = 0.0;
    for (std::size_t j = 0; j < columns; ++j) {
      const double term = double{in.weights[j]} * double{in.features[r * columns + j]};
      want += term;
      scale += std::fabs(term);
    }
    if (!(std::fabs(double{got[r]} - want) <= relative * scale)) {
      return ::testing::AssertionFailure()
             << "row " << r << " of " << rows << " x " << columns << ": got " << got[r] << ", want "
             << want << " (term scale " << scale << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

// The contract's float fma chain in column order: the bits every twin must give.
inline std::vector<float> fma_chain(const ScoringInput& in) {
  const std::size_t columns = static_cast<std::size_t>(in.columns);
  std::vector<float> out(in.rows());
  for (std::size_t r = 0; r < out.size(); ++r) {
    float acc = 0.0f;
    for (std::size_t j = 0; j < columns; ++j) {
      acc = std::fma(in.weights[j], in.features[r * columns + j], acc);
    }
    out[r] = acc;
  }
  return out;
}

// Scores equal bit for bit (NaNs compare by bits too).
inline ::testing::AssertionResult same_bits(std::span<const float> got,
                                            std::span<const float> want) {
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure() << got.size() << " scores, want " << want.size();
  }
  std::size_t differ = 0, first = 0;
  for (std::size_t r = 0; r < got.size(); ++r) {
    if (std::memcmp(&got[r], &want[r], sizeof(float)) != 0 && differ++ == 0) first = r;
  }
  if (differ == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << differ << " of " << got.size() << " scores differ; first at row " << first << ": "
         << got[first] << " vs " << want[first];
}

// Two hand-computed cases, exact in float.
struct ExactCase {
  std::string name;
  ScoringInput in;
  std::vector<float> want;
};
inline std::vector<ExactCase> exact_cases() {
  // 2 x 3: 0.5*1 - 1*2 + 2*3 = 4.5 and 0.5*4 - 1*5 + 2*6 = 9.
  ExactCase two_by_three{"2x3", {3, {1, 2, 3, 4, 5, 6}, {0.5f, -1, 2}}, {4.5f, 9.0f}};
  // One row where the fused multiply-add shows: a = 1 + 2^-12, so a * a = 1 + 2^-11 + 2^-24,
  // which rounds to 1 + 2^-11 in float. fma(a, a, -(1 + 2^-11)) = 2^-24 exactly; a separate
  // multiply and add would give 0.
  const float a = 1.0f + std::ldexp(1.0f, -12);
  const float c = -(1.0f + std::ldexp(1.0f, -11));
  ExactCase fused{"fma", {2, {c, a}, {1.0f, a}}, {std::ldexp(1.0f, -24)}};
  return {two_by_three, fused};
}

// Batches every scorer must reject with INVALID_ARGUMENT, and the field the message must name
// first. Holds the arrays the batches point into, so it is neither copied nor moved.
class BadScoringCases {
 public:
  struct Case {
    std::string what;
    ScoringBatch batch;
    std::size_t scores = 0;  // size of the scores span passed
    std::string field;       // the message's prefix
  };

  BadScoringCases() {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    w2_ = {1, 2};
    w3_ = {1, 2, 3};
    w4_ = {1, 2, 3, 4};
    w257_.assign(257, 1.0f);
    f257_.assign(257, 1.0f);
    nan1_ = {1, nan, 3};
    inf2_ = {1, 2, inf};
    ninf0_ = {-inf, 2, 3};
    f6_ = {1, 2, 3, 4, 5, 6};
    f7_ = {1, 2, 3, 4, 5, 6, 7};
    cases_ = {
        {"zero columns", {f6_, 0, {}}, 0, "columns:"},
        {"negative columns", {f6_, -3, w3_}, 2, "columns:"},
        {"257 columns", {f257_, 257, w257_}, 1, "columns:"},
        {"too few weights", {f6_, 3, w2_}, 2, "weights:"},
        {"too many weights", {f6_, 3, w4_}, 2, "weights:"},
        {"NaN weight", {f6_, 3, nan1_}, 2, "weights[1]:"},
        {"infinite weight", {f6_, 3, inf2_}, 2, "weights[2]:"},
        {"negative infinite weight", {f6_, 3, ninf0_}, 2, "weights[0]:"},
        {"ragged features", {f7_, 3, w3_}, 2, "features:"},
        {"too few scores", {f6_, 3, w3_}, 1, "scores:"},
        {"too many scores", {f6_, 3, w3_}, 3, "scores:"},
        {"scores for no rows", {{}, 3, w3_}, 1, "scores:"},
    };
  }
  BadScoringCases(const BadScoringCases&) = delete;
  BadScoringCases& operator=(const BadScoringCases&) = delete;

  const std::vector<Case>& cases() const { return cases_; }

 private:
  std::vector<float> w2_, w3_, w4_, w257_, f257_, nan1_, inf2_, ninf0_, f6_, f7_;
  std::vector<Case> cases_;
};

// Every bad case: INVALID_ARGUMENT naming the field, and the scores left as they were.
inline void expect_rejects_bad_arguments(const FeatureScorer& scorer) {
  const BadScoringCases bad;
  for (const auto& c : bad.cases()) {
    std::vector<float> scores(c.scores, -7.0f);
    const absl::Status status = scorer.score(c.batch, scores);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.what << ": " << status;
    EXPECT_EQ(status.message().substr(0, c.field.size()), c.field) << c.what << ": " << status;
    for (float s : scores) EXPECT_EQ(s, -7.0f) << c.what << ": scores written";
  }
}

}  // namespace feedrank::kernels::testing
