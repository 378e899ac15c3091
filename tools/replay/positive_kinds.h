// Which engagement kinds the replay counts as positives. An engagement of one of them after the
// cut makes its post ground truth; one before the cut makes the post "already engaged", left out
// of every list and of the truth (list_builder.h), so that the two agree. Empty, the default:
// every kind, as the earlier tables were made. The history keeps every kind either way: the
// engine, popularity and user-kNN learn from all of it, and the engine's feeds still leave out
// the posts a viewer engaged with in any way, as they do in service.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "feedrank/v1/feedrank.pb.h"

namespace feedrank::replay {

struct PositiveKinds {
  std::vector<v1::EngagementKind> kinds;  // empty: every kind

  bool contains(v1::EngagementKind kind) const;
  std::string describe() const;  // "like, share", or "every kind"
};

// The JSON Lines names: view, like, comment, share. INVALID_ARGUMENT for anything else.
absl::StatusOr<v1::EngagementKind> parse_engagement_kind(std::string_view name);
std::string engagement_kind_name(v1::EngagementKind kind);

}  // namespace feedrank::replay
