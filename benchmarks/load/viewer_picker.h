// Which user a read is for: uniform over users 1..N, Zipf-distributed (user 1 the most active,
// as a few accounts read far more than most), or always one (to compare with a tool that sends
// one fixed request). Parsed from --viewers uniform | zipf:S | fixed:ID.
#pragma once

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace feedrank::load {

class ViewerPicker {
 public:
  static absl::StatusOr<ViewerPicker> parse(std::string_view text, std::uint64_t users);

  std::uint64_t pick(std::mt19937_64& random) const;
  std::string_view description() const { return description_; }

 private:
  enum class Kind { kUniform, kZipf, kFixed };
  Kind kind_ = Kind::kUniform;
  std::uint64_t users_ = 1;
  std::uint64_t fixed_ = 1;
  std::vector<double> zipf_cdf_;  // P(rank <= r + 1)
  std::string description_;
};

}  // namespace feedrank::load
