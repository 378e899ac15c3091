// A feed mode of the engine as a row of the replay: the viewer's feed as of the cut, page after
// page (a few more than k asked each time) until k posts survive the list rule or the feed ends.
#pragma once

#include <string>
#include <vector>

#include "ranker/feed_engine.h"
#include "tools/replay/list_source.h"
#include "tools/replay/pre_cut_state.h"

namespace feedrank::replay {

class EngineFeedSource final : public ListSource {
 public:
  // `space` names the row of an algorithmic feed in a learned or hybrid space.
  EngineFeedSource(const ranker::FeedEngine& engine, ranker::FeedMode mode,
                   const PreCutState& state,
                   ranker::VectorSpace space = ranker::VectorSpace::kText);
  std::string name() const override;
  // The name of the row such a source makes, before any engine exists.
  static std::string row_name(ranker::FeedMode mode, ranker::VectorSpace space);
  // The engine's error as it is (UNIMPLEMENTED for a mode not built yet).
  absl::StatusOr<std::vector<PostId>> list_for(UserId viewer, int k) const override;

 private:
  const ranker::FeedEngine& engine_;
  ranker::FeedMode mode_;
  ranker::VectorSpace space_;
  const PreCutState& state_;
};

}  // namespace feedrank::replay
