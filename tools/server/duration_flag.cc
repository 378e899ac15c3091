#include "tools/server/duration_flag.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <utility>

#include "fmt/format.h"

namespace feedrank::server {
namespace {

constexpr std::array<std::pair<std::string_view, std::int64_t>, 5> kUnits = {
    {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}}};
// At most a year: far below where a timed wait's deadline (in nanoseconds) would overflow.
constexpr std::int64_t kMaxDurationMs = 366LL * 86'400'000;

}  // namespace

bool parse_duration(std::string_view text, std::chrono::milliseconds& out, std::string& error) {
  std::uint64_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec == std::errc::result_out_of_range) {
    error = fmt::format("\"{}\": too large", text);
    return false;
  }
  if (ec != std::errc() || end == text.data()) {
    error = fmt::format("\"{}\": not a duration (a whole number and a unit: 30m, 6h, 1d; 0: off)",
                        text);
    return false;
  }
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  if (unit.empty()) {
    if (number == 0) {
      out = std::chrono::milliseconds(0);
      return true;
    }
    error = fmt::format("\"{}\": needs a unit (ms, s, m, h or d)", text);
    return false;
  }
  for (const auto& [name, ms] : kUnits) {
    if (unit != name) continue;
    if (number > static_cast<std::uint64_t>(kMaxDurationMs / ms)) {
      error = fmt::format("\"{}\": too large (at most 366d)", text);
      return false;
    }
    out = std::chrono::milliseconds(static_cast<std::int64_t>(number) * ms);
    return true;
  }
  error = fmt::format("\"{}\": unknown unit \"{}\" (use ms, s, m, h or d)", text, unit);
  return false;
}

}  // namespace feedrank::server
