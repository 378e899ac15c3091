#include "benchmarks/load/viewer_picker.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "fmt/format.h"

namespace feedrank::load {

absl::StatusOr<ViewerPicker> ViewerPicker::parse(std::string_view text, std::uint64_t users) {
  if (users == 0) return absl::InvalidArgumentError("--viewers: the server has no users");
  ViewerPicker picker;
  picker.users_ = users;
  const auto colon = text.find(':');
  const std::string_view kind = text.substr(0, colon);
  const std::string_view value = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  if (kind == "uniform" && colon == std::string_view::npos) {
    picker.description_ = fmt::format("uniform over {} users", users);
    return picker;
  }
  if (kind == "zipf") {
    double exponent = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), exponent);
    if (error != std::errc() || end != value.data() + value.size() || !(exponent > 0) ||
        exponent > 10) {
      return absl::InvalidArgumentError(
          fmt::format("--viewers: zipf exponent '{}' is not a number in (0, 10]", value));
    }
    picker.kind_ = Kind::kZipf;
    picker.zipf_cdf_.resize(users);
    double total = 0;
    for (std::uint64_t rank = 1; rank <= users; ++rank) {
      total += std::pow(static_cast<double>(rank), -exponent);
      picker.zipf_cdf_[rank - 1] = total;
    }
    for (double& c : picker.zipf_cdf_) c /= total;
    picker.description_ = fmt::format("zipf {} over {} users", exponent, users);
    return picker;
  }
  if (kind == "fixed") {
    std::uint64_t id = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), id);
    if (error != std::errc() || end != value.data() + value.size() || id == 0) {
      return absl::InvalidArgumentError(
          fmt::format("--viewers: fixed viewer '{}' is not a user id (1, 2, ...)", value));
    }
    picker.kind_ = Kind::kFixed;
    picker.fixed_ = id;
    picker.description_ = fmt::format("always user {}", id);
    return picker;
  }
  return absl::InvalidArgumentError(
      fmt::format("--viewers: '{}' is not uniform, zipf:EXPONENT or fixed:USER_ID", text));
}

std::uint64_t ViewerPicker::pick(std::mt19937_64& random) const {
  switch (kind_) {
    case Kind::kFixed:
      return fixed_;
    case Kind::kZipf: {
      const double u = std::uniform_real_distribution<double>(0, 1)(random);
      const auto it = std::lower_bound(zipf_cdf_.begin(), zipf_cdf_.end(), u);
      return std::min<std::uint64_t>(users_,
                                     static_cast<std::uint64_t>(it - zipf_cdf_.begin()) + 1);
    }
    case Kind::kUniform:
      break;
  }
  return std::uniform_int_distribution<std::uint64_t>(1, users_)(random);
}

}  // namespace feedrank::load
