// Which engagement kinds the replay counts as positives: an engagement of one of them after the
// cut makes its post ground truth. Empty, the default: every kind, as the earlier tables were
// made. Before the cut every kind counts, whatever this says: the engine's feeds leave out the
// posts a viewer engaged with in any way, as they do in service, so "already engaged" (left out
// of every list and of the truth, list_builder.h) is any kind, and every list can reach all of
// the truth. The history keeps every kind too: the engine, popularity and user-kNN learn from
// all of it.
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
  std::vector<std::string> names() const;  // {"like", "share"}; empty for every kind
  std::string describe() const;            // "like, share", or "every kind"
};

// The JSON Lines names: view, like, comment, share. INVALID_ARGUMENT for anything else.
absl::StatusOr<v1::EngagementKind> parse_engagement_kind(std::string_view name);
std::string engagement_kind_name(v1::EngagementKind kind);

}  // namespace feedrank::replay
