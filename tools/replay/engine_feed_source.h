// A feed mode of the engine as a row of the replay: the viewer's feed as of the cut, page after
// page (a few more than k asked each time) until k posts survive the list rule or the feed ends.
// An algorithmic row may rank under a compared config instead of the engine's (replay_options.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ranker/feed_engine.h"
#include "tools/replay/list_source.h"
#include "tools/replay/pre_cut_state.h"
#include "tools/replay/replay_options.h"

namespace feedrank::replay {

class EngineFeedSource final : public ListSource {
 public:
  // `space` names the row of an algorithmic feed in a learned or hybrid space.
  EngineFeedSource(const ranker::FeedEngine& engine, ranker::FeedMode mode,
                   const PreCutState& state,
                   ranker::VectorSpace space = ranker::VectorSpace::kText);
  // The algorithmic feed under `compared`'s config.
  EngineFeedSource(const ranker::FeedEngine& engine, const PreCutState& state,
                   ranker::VectorSpace space, const ComparedConfig& compared);
  std::string name() const override;
  // The name of the row such a source makes, before any engine exists; `label`: a compared
  // config's (empty: the engine's own config).
  static std::string row_name(ranker::FeedMode mode, ranker::VectorSpace space,
                              std::string_view label = {});
  // The engine's error as it is (UNIMPLEMENTED for a mode not built yet).
  absl::StatusOr<std::vector<PostId>> list_for(UserId viewer, int k) const override;

 private:
  const ranker::FeedEngine& engine_;
  ranker::FeedMode mode_;
  ranker::VectorSpace space_;
  const PreCutState& state_;
  std::shared_ptr<const ranker::RankingConfig> ranking_;  // null: the engine's
  std::string label_;
};

}  // namespace feedrank::replay
