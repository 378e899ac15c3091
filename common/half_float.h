// IEEE 754 half precision (binary16) in software, for vectors kept at half the bytes. Written out
// rather than taken from F16C or _Float16: neither is there on every compiler and CPU this builds
// for (Debian's clang 14 has no _Float16 on x86), and the rounding must be the same everywhere.
#pragma once

#include <bit>
#include <cstdint>

namespace feedrank {

// The nearest half (ties to even), as its bits; past the largest half gives infinity.
constexpr std::uint16_t half_bits_of(float value) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
  const std::uint32_t magnitude = bits & 0x7FFFFFFFu;
  if (magnitude >= 0x7F800000u) {  // infinity stays; NaN stays a (quiet) NaN
    return sign | 0x7C00u | (magnitude > 0x7F800000u ? 0x0200u : 0u);
  }
  if (magnitude >= 0x477FF000u) return sign | 0x7C00u;  // 65520 and up round to infinity
  if (magnitude >= 0x38800000u) {                       // a normal half: rebias, round 13 bits
    std::uint32_t rebiased = magnitude - (112u << 23);
    rebiased += 0x0FFFu + ((rebiased >> 13) & 1u);  // a carry may bump the exponent: right
    return sign | static_cast<std::uint16_t>(rebiased >> 13);
  }
  if (magnitude <= 0x33000000u) return sign;  // half of the smallest subnormal or less: zero
  // A subnormal half counts units of 2^-24.
  const std::uint32_t mantissa = (magnitude & 0x007FFFFFu) | 0x00800000u;
  const std::uint32_t shift = 126u - (magnitude >> 23);  // 14..24
  std::uint32_t units = mantissa >> shift;
  const std::uint32_t remainder = mantissa & ((1u << shift) - 1u);
  const std::uint32_t halfway = 1u << (shift - 1u);
  if (remainder > halfway || (remainder == halfway && (units & 1u) != 0)) ++units;
  return sign | static_cast<std::uint16_t>(units);
}

// Exact: every half is a float.
constexpr float float_of_half_bits(std::uint16_t half) {
  const std::uint32_t sign = std::uint32_t{half & 0x8000u} << 16;
  const std::uint32_t exponent = (half >> 10) & 0x1Fu;
  const std::uint32_t mantissa = half & 0x03FFu;
  if (exponent == 0x1Fu) return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));
  if (exponent != 0) {
    return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (mantissa << 13));
  }
  const float subnormal = static_cast<float>(mantissa) * 0x1p-24f;
  return sign != 0 ? -subnormal : subnormal;
}

// `value` rounded to the nearest half, as a float.
constexpr float round_to_half(float value) { return float_of_half_bits(half_bits_of(value)); }

// True when a half holds `value` exactly (bit for bit, so -0 and +0 differ).
constexpr bool is_exact_half(float value) {
  return std::bit_cast<std::uint32_t>(round_to_half(value)) == std::bit_cast<std::uint32_t>(value);
}

}  // namespace feedrank
