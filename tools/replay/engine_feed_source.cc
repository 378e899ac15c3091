#include "tools/replay/engine_feed_source.h"

#include <algorithm>

#include "tools/replay/list_builder.h"

namespace feedrank::replay {
namespace {

// Asked beyond what the list still needs, since the list rule drops some (own posts, ...).
constexpr int kExtraAsked = 10;

}  // namespace

EngineFeedSource::EngineFeedSource(const ranker::FeedEngine& engine, ranker::FeedMode mode,
                                   const PreCutState& state, ranker::VectorSpace space)
    : engine_(engine), mode_(mode), space_(space), state_(state) {}

EngineFeedSource::EngineFeedSource(const ranker::FeedEngine& engine, const PreCutState& state,
                                   ranker::VectorSpace space, const ComparedConfig& compared)
    : engine_(engine),
      mode_(ranker::FeedMode::kAlgorithmic),
      space_(space),
      state_(state),
      ranking_(compared.config),
      label_(compared.label) {}

std::string EngineFeedSource::name() const { return row_name(mode_, space_, label_); }

std::string EngineFeedSource::row_name(ranker::FeedMode mode, ranker::VectorSpace space,
                                       std::string_view label) {
  if (mode != ranker::FeedMode::kAlgorithmic) return "chronological";
  std::string name = "algorithmic";
  if (space != ranker::VectorSpace::kText) {
    name += " (" + std::string(ranker::vector_space_name(space)) + ")";
  }
  if (!label.empty()) name += " [" + std::string(label) + "]";
  return name;
}

absl::StatusOr<std::vector<PostId>> EngineFeedSource::list_for(UserId viewer, int k) const {
  ListBuilder builder(state_, viewer, k);
  ranker::FeedRequest request;
  request.viewer = viewer;
  request.mode = mode_;
  request.as_of = state_.cut;
  request.ranking = ranking_;
  request.limit = std::min(k + kExtraAsked, ranker::kMaxPageSize);
  while (!builder.full()) {
    auto page = engine_.get_feed(request);
    if (!page.ok()) return page.status();
    for (const ranker::FeedItem& item : page->items) builder.offer(item.post);
    if (page->next_cursor.empty()) break;
    request.cursor = std::move(page->next_cursor);
  }
  return builder.take();
}

}  // namespace feedrank::replay
