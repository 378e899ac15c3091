#include "tools/replay/source_scoring.h"

#include "absl/status/status.h"
#include "fmt/format.h"

namespace feedrank::replay {

ListScores score_list_source(const ListSource& source, const PreCutState& state,
                             const absl::flat_hash_map<UserId, PostSet>& truth,
                             const std::vector<UserId>& viewers, int k) {
  ListScoreAccumulator accumulator(state, k);
  for (UserId viewer : viewers) {
    auto list = source.list_for(viewer, k);
    if (!list.ok()) {
      ListScores row;
      row.name = source.name();
      row.unavailable = fmt::format("{}: {}", absl::StatusCodeToString(list.status().code()),
                                    std::string(list.status().message()));
      return row;
    }
    accumulator.add(*list, truth.at(viewer));
  }
  return accumulator.scores(source.name());
}

}  // namespace feedrank::replay
