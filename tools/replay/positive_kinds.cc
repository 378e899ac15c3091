#include "tools/replay/positive_kinds.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/str_join.h"
#include "fmt/format.h"

namespace feedrank::replay {
namespace {

// The generated enum's names, ENGAGEMENT_KIND_LIKE and so on, without the prefix and in lower
// case, are the JSON Lines names: no second table of them to keep in step.
constexpr std::string_view kPrefix = "ENGAGEMENT_KIND_";

std::string with_case(std::string_view text, bool upper) {
  std::string out(text);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    c = static_cast<char>(upper ? std::toupper(byte) : std::tolower(byte));
  }
  return out;
}

}  // namespace

bool PositiveKinds::contains(v1::EngagementKind kind) const {
  return kinds.empty() || std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

std::vector<std::string> PositiveKinds::names() const {
  std::vector<std::string> out;
  for (v1::EngagementKind kind : kinds) out.push_back(engagement_kind_name(kind));
  return out;
}

std::string PositiveKinds::describe() const {
  return kinds.empty() ? "every kind" : absl::StrJoin(names(), ", ");
}

absl::StatusOr<v1::EngagementKind> parse_engagement_kind(std::string_view name) {
  v1::EngagementKind kind{};
  if (!v1::EngagementKind_Parse(std::string(kPrefix) + with_case(name, true), &kind) ||
      kind == v1::ENGAGEMENT_KIND_UNSPECIFIED || engagement_kind_name(kind) != name) {
    return absl::InvalidArgumentError(
        fmt::format("unknown engagement kind \"{}\": view, like, comment or share", name));
  }
  return kind;
}

std::string engagement_kind_name(v1::EngagementKind kind) {
  const std::string& full = v1::EngagementKind_Name(kind);  // empty for a value not in the enum
  if (full.size() <= kPrefix.size()) return fmt::format("kind {}", static_cast<int>(kind));
  return with_case(std::string_view(full).substr(kPrefix.size()), false);
}

}  // namespace feedrank::replay
