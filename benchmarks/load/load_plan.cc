#include "benchmarks/load/load_plan.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "fmt/format.h"

namespace feedrank::load {
namespace {

struct KindNames {
  std::string_view key;
  std::string_view call;
};
constexpr std::array<KindNames, kCallKinds> kNames = {{
    {"chrono", "GetFeed chronological"},
    {"algo", "GetFeed algorithmic"},
    {"nearest", "GetNearestPosts"},
    {"posts", "CreatePosts"},
    {"engagements", "RecordEngagements"},
}};

std::optional<double> parse_weight(std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

}  // namespace

std::string_view mix_key(CallKind kind) { return kNames[static_cast<std::size_t>(kind)].key; }
std::string_view call_name(CallKind kind) { return kNames[static_cast<std::size_t>(kind)].call; }
bool is_write(CallKind kind) {
  return kind == CallKind::kCreatePosts || kind == CallKind::kRecordEngagements;
}

absl::StatusOr<CallMix> CallMix::parse(std::string_view text, std::string_view flag) {
  CallMix mix;
  std::array<bool, kCallKinds> seen{};
  auto add = [&](CallKind kind, double weight, std::string_view key) -> absl::Status {
    auto& was_seen = seen[static_cast<std::size_t>(kind)];
    if (was_seen) {
      return absl::InvalidArgumentError(
          fmt::format("{}: '{}' sets {} twice", flag, key, mix_key(kind)));
    }
    was_seen = true;
    mix.shares_[static_cast<std::size_t>(kind)] = weight;
    return absl::OkStatus();
  };
  for (std::string_view part : split(text, ',')) {
    part = trim(part);
    const auto equals = part.find('=');
    const std::string_view key = trim(part.substr(0, equals));
    if (equals == std::string_view::npos || key.empty()) {
      return absl::InvalidArgumentError(
          fmt::format("{}: '{}' is not KEY=WEIGHT (keys: chrono, algo, nearest, posts, "
                      "engagements, writes)",
                      flag, part));
    }
    const std::string_view value = trim(part.substr(equals + 1));
    const auto weight = parse_weight(value);
    if (!weight || *weight < 0) {
      return absl::InvalidArgumentError(
          fmt::format("{}: {}: '{}' is not a non-negative number", flag, key, value));
    }
    absl::Status added;
    if (key == "writes") {
      added = add(CallKind::kCreatePosts, *weight / 2, key);
      if (added.ok()) added = add(CallKind::kRecordEngagements, *weight / 2, key);
    } else {
      const auto* found = std::find_if(kNames.begin(), kNames.end(),
                                       [&](const KindNames& names) { return names.key == key; });
      if (found == kNames.end()) {
        return absl::InvalidArgumentError(
            fmt::format("{}: unknown call kind '{}' (keys: chrono, algo, nearest, posts, "
                        "engagements, writes)",
                        flag, key));
      }
      added = add(static_cast<CallKind>(found - kNames.begin()), *weight, key);
    }
    if (!added.ok()) return added;
  }
  double total = 0;
  for (double share : mix.shares_) total += share;
  if (!(total > 0)) {
    return absl::InvalidArgumentError(fmt::format("{}: every weight is 0", flag));
  }
  // Weights past the double range together would scale every share to 0 (or NaN), and pick()
  // then returns a kind the mix does not have.
  if (!std::isfinite(total)) {
    return absl::InvalidArgumentError(fmt::format("{}: the weights' total is not finite", flag));
  }
  for (double& share : mix.shares_) share /= total;
  return mix;
}

bool CallMix::empty() const {
  for (double share : shares_) {
    if (share > 0) return false;
  }
  return true;
}

CallKind CallMix::pick(double u) const {
  double cumulative = 0;
  std::size_t last = 0;
  for (std::size_t i = 0; i < kCallKinds; ++i) {
    if (shares_[i] <= 0) continue;
    last = i;
    cumulative += shares_[i];
    if (u < cumulative) return static_cast<CallKind>(i);
  }
  return static_cast<CallKind>(last);  // u within rounding of 1
}

std::string CallMix::to_string() const {
  std::string out;
  for (std::size_t i = 0; i < kCallKinds; ++i) {
    if (shares_[i] <= 0) continue;
    if (!out.empty()) out += ',';
    out += fmt::format("{}={:.4g}", kNames[i].key, shares_[i]);
  }
  return out;
}

}  // namespace feedrank::load
