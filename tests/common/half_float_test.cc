#include "common/half_float.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace feedrank {
namespace {

bool is_nan_half(std::uint16_t half) { return (half & 0x7C00u) == 0x7C00u && (half & 0x03FFu); }

TEST(HalfFloat, EveryHalfSurvivesTheTripThroughFloat) {
  for (std::uint32_t half = 0; half <= 0xFFFFu; ++half) {
    const auto bits = static_cast<std::uint16_t>(half);
    if (is_nan_half(bits)) {
      EXPECT_TRUE(std::isnan(float_of_half_bits(bits))) << half;
      continue;
    }
    ASSERT_EQ(half_bits_of(float_of_half_bits(bits)), bits) << half;
    EXPECT_TRUE(is_exact_half(float_of_half_bits(bits))) << half;
  }
}

TEST(HalfFloat, KnownValuesAndTiesToEven) {
  EXPECT_EQ(half_bits_of(1.0f), 0x3C00u);
  EXPECT_EQ(half_bits_of(-2.0f), 0xC000u);
  EXPECT_EQ(half_bits_of(65504.0f), 0x7BFFu);  // the largest half
  EXPECT_EQ(half_bits_of(65519.0f), 0x7BFFu);
  EXPECT_EQ(half_bits_of(65520.0f), 0x7C00u);  // the tie with 65536 goes to infinity
  EXPECT_EQ(half_bits_of(0x1p-14f), 0x0400u);  // the smallest normal
  EXPECT_EQ(half_bits_of(0x1p-24f), 0x0001u);  // the smallest subnormal
  EXPECT_EQ(half_bits_of(0x1p-25f), 0x0000u);  // its half: a tie, to the even zero
  EXPECT_EQ(half_bits_of(0x1.8p-25f), 0x0001u);
  EXPECT_EQ(half_bits_of(0x3p-25f), 0x0002u);         // 1.5 units: a tie, to the even 2
  EXPECT_EQ(half_bits_of(1.0f + 0x1p-11f), 0x3C00u);  // a tie, to the even mantissa
  EXPECT_EQ(half_bits_of(1.0f + 0x3p-11f), 0x3C02u);  // a tie, to the even mantissa above
  EXPECT_EQ(half_bits_of(-0.0f), 0x8000u);
  EXPECT_EQ(half_bits_of(1e-30f), 0x0000u);
  EXPECT_EQ(half_bits_of(INFINITY), 0x7C00u);
  EXPECT_TRUE(is_nan_half(half_bits_of(NAN)));
  EXPECT_FALSE(is_exact_half(0.1f));
  EXPECT_TRUE(is_exact_half(0.375f));
}

// Among all halves none is nearer to `value` than the one chosen (checked on its neighbours).
TEST(HalfFloat, RoundsToTheNearestHalf) {
  std::uint32_t state = 12345;
  for (int i = 0; i < 1'000'000; ++i) {
    state = state * 1664525u + 1013904223u;
    const std::uint32_t mantissa = state >> 9;
    state = state * 1664525u + 1013904223u;
    // Both signs, from far below the smallest subnormal half to the largest normal one.
    const int exponent = static_cast<int>(state >> 16) % 46 - 30;
    const float magnitude = std::ldexp(1.0f + static_cast<float>(mantissa) * 0x1p-23f, exponent);
    const float value = (state & 1u) != 0 ? -magnitude : magnitude;
    if (std::fabs(value) >= 65504.0f) continue;
    const std::uint16_t chosen = half_bits_of(value);
    const double error = std::fabs(double{float_of_half_bits(chosen)} - value);
    for (const int step : {-1, 1}) {
      const auto neighbour = static_cast<std::uint16_t>(chosen + step);
      if ((neighbour & 0x7FFFu) >= 0x7C00u || (neighbour ^ chosen) & 0x8000u) continue;
      EXPECT_LE(error, std::fabs(double{float_of_half_bits(neighbour)} - value))
          << std::hexfloat << value;
    }
  }
}

// The whole-vector forms (F16C eight at a time where there is one, then a tail) give what the
// one-value forms give.
TEST(HalfFloat, WholeVectorsEqualValueByValue) {
  std::vector<float> values(1'003);  // not a multiple of eight: the tail is done one by one
  std::uint32_t state = 99;
  for (float& value : values) {
    state = state * 1664525u + 1013904223u;
    value = std::ldexp(static_cast<float>(state >> 8) * 0x1p-24f - 0.5f,
                       static_cast<int>(state % 40) - 24);
  }
  std::vector<std::uint16_t> halves(values.size());
  half_bits_of(values, halves);
  std::vector<float> back(values.size());
  floats_of_half_bits(halves, back);
  std::vector<float> rounded = values;
  round_to_half(rounded);
  for (std::size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(halves[i], half_bits_of(values[i])) << i;
    ASSERT_EQ(std::bit_cast<std::uint32_t>(back[i]),
              std::bit_cast<std::uint32_t>(float_of_half_bits(halves[i])))
        << i;
    ASSERT_EQ(std::bit_cast<std::uint32_t>(rounded[i]), std::bit_cast<std::uint32_t>(back[i])) << i;
  }
}

#if defined(__x86_64__)
__attribute__((target("f16c"))) std::uint16_t hardware_half_bits(float value) {
  return _cvtss_sh(value, _MM_FROUND_TO_NEAREST_INT);
}

TEST(HalfFloat, AgreesWithTheCpusConversion) {
  if (!half_float_internal::cpu_has_f16c()) GTEST_SKIP() << "this CPU has no F16C";
  // One float in 97 over every bit pattern, NaNs aside (their payloads may differ).
  for (std::uint64_t bits = 0; bits <= 0xFFFFFFFFu; bits += 97) {
    const float value = std::bit_cast<float>(static_cast<std::uint32_t>(bits));
    if (std::isnan(value)) continue;
    ASSERT_EQ(half_bits_of(value), hardware_half_bits(value)) << std::hexfloat << value;
  }
}
#endif

}  // namespace
}  // namespace feedrank
