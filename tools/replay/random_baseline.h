// The random baseline: live pre-cut posts in an order drawn for each viewer from the seed and the
// viewer's id (the same on every machine), kept by the list rule until the list is full.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/replay/list_source.h"
#include "tools/replay/pre_cut_state.h"

namespace feedrank::replay {

class RandomSource final : public ListSource {
 public:
  RandomSource(const PreCutState& state, std::uint64_t seed);
  std::string name() const override { return "random"; }
  absl::StatusOr<std::vector<PostId>> list_for(UserId viewer, int k) const override;

 private:
  const PreCutState& state_;
  std::uint64_t seed_;
  std::vector<PostId> live_posts_;
};

}  // namespace feedrank::replay
