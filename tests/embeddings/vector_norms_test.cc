#include "embeddings/vector_norms.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace feedrank::embeddings {
namespace {

TEST(L2Normalize, GivesUnitLength) {
  std::vector<float> vector = {3.0f, 0.0f, -4.0f};
  l2_normalize(vector);
  EXPECT_FLOAT_EQ(vector[0], 0.6f);
  EXPECT_EQ(vector[1], 0.0f);
  EXPECT_FLOAT_EQ(vector[2], -0.8f);
}

// A caller's vector of denormal values is valid (finite, not zero) but so short that 1 / length
// overflows a float: it must still come out of unit length, not as infinities and NaNs.
TEST(L2Normalize, ScalesAVectorOfDenormalValuesToUnitLength) {
  std::vector<float> vector(128, 1e-40f);
  vector[5] = 0.0f;
  vector[7] = -1e-40f;
  l2_normalize(vector);
  for (float x : vector) ASSERT_TRUE(std::isfinite(x));
  EXPECT_EQ(vector[5], 0.0f);
  EXPECT_LT(vector[7], 0.0f);
  EXPECT_NEAR(l2_norm(vector), 1.0f, 1e-5f);
}

TEST(L2Normalize, LeavesAllZerosAsTheyAre) {
  std::vector<float> vector(4, 0.0f);
  l2_normalize(vector);
  EXPECT_TRUE(is_zero(vector));
}

}  // namespace
}  // namespace feedrank::embeddings
