// IEEE 754 half precision (binary16), for vectors kept at half the bytes. One value at a time in
// software: _Float16 is not there on every compiler this builds with (Debian's clang 14 has none
// on x86). Whole vectors use the CPU's F16C instructions where it has them, which round the same.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

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

// The same over whole vectors, eight values at a time with F16C where the CPU has it (the same
// bits: IEEE rounding either way). `out` is as long as `in`.
namespace half_float_internal {
#if defined(__x86_64__)
inline bool cpu_has_f16c() {
  // AVX as the compiler checks it (the OS saves the YMM registers) and F16C's CPUID bit, read
  // directly: clang 14's __builtin_cpu_supports does not know "f16c".
  static const bool has = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return __builtin_cpu_supports("avx") && __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 &&
           (ecx & bit_F16C) != 0;
  }();
  return has;
}
__attribute__((target("avx,f16c"))) inline std::size_t to_halves_f16c(std::span<const float> in,
                                                                      std::uint16_t* out) {
  std::size_t i = 0;
  for (; i + 8 <= in.size(); i += 8) {
    const __m128i halves =
        _mm256_cvtps_ph(_mm256_loadu_ps(in.data() + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), halves);
  }
  return i;
}
__attribute__((target("avx,f16c"))) inline std::size_t to_floats_f16c(
    std::span<const std::uint16_t> in, float* out) {
  std::size_t i = 0;
  for (; i + 8 <= in.size(); i += 8) {
    const __m128i halves = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in.data() + i));
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(halves));
  }
  return i;
}
#else
inline bool cpu_has_f16c() { return false; }
inline std::size_t to_halves_f16c(std::span<const float>, std::uint16_t*) { return 0; }
inline std::size_t to_floats_f16c(std::span<const std::uint16_t>, float*) { return 0; }
#endif
}  // namespace half_float_internal

inline void half_bits_of(std::span<const float> in, std::span<std::uint16_t> out) {
  std::size_t i =
      half_float_internal::cpu_has_f16c() ? half_float_internal::to_halves_f16c(in, out.data()) : 0;
  for (; i < in.size(); ++i) out[i] = half_bits_of(in[i]);
}

inline void floats_of_half_bits(std::span<const std::uint16_t> in, std::span<float> out) {
  std::size_t i =
      half_float_internal::cpu_has_f16c() ? half_float_internal::to_floats_f16c(in, out.data()) : 0;
  for (; i < in.size(); ++i) out[i] = float_of_half_bits(in[i]);
}

// Every value rounded to the nearest half, in place.
inline void round_to_half(std::span<float> values) {
  constexpr std::size_t kBlock = 64;
  std::uint16_t halves[kBlock];
  for (std::size_t begin = 0; begin < values.size(); begin += kBlock) {
    const std::span<float> block = values.subspan(begin, std::min(kBlock, values.size() - begin));
    half_bits_of(block, std::span(halves, block.size()));
    floats_of_half_bits(std::span(halves, block.size()), block);
  }
}

}  // namespace feedrank
