// One row of the replay's table: a way to make a viewer's list. The engine's feed modes and the
// baselines all implement it, and all build their lists through a ListBuilder.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/records.h"

namespace feedrank::replay {

class ListSource {
 public:
  virtual ~ListSource() = default;
  virtual std::string name() const = 0;
  // At most k posts, best first. An error makes the whole row unavailable.
  virtual absl::StatusOr<std::vector<PostId>> list_for(UserId viewer, int k) const = 0;
};

}  // namespace feedrank::replay
