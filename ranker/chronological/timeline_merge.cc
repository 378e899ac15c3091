#include "ranker/chronological/timeline_merge.h"

#include <algorithm>

namespace feedrank::ranker {

TimelineMerge::TimelineMerge(std::span<const MergeSource> sources,
                             std::optional<store::TimelineEntry> below)
    : sources_(sources) {
  heap_.reserve(sources.size());
  for (std::uint32_t i = 0; i < sources.size(); ++i) {
    const auto& timeline = sources[i].timeline;
    // A first page's bound (now) is usually past every post: no search then.
    const bool whole = !below || timeline.empty() || timeline.back() < *below;
    const auto end =
        whole ? timeline.end() : std::lower_bound(timeline.begin(), timeline.end(), *below);
    if (end == timeline.begin()) continue;
    const auto position = static_cast<std::size_t>(end - timeline.begin()) - 1;
    heap_.push_back(Head{timeline[position], i, position});
  }
  std::make_heap(heap_.begin(), heap_.end(), older);
}

MergedEntry TimelineMerge::next() {
  std::pop_heap(heap_.begin(), heap_.end(), older);
  Head& head = heap_.back();
  const MergedEntry result{head.entry, sources_[head.source].author};
  if (head.position == 0) {
    heap_.pop_back();
  } else {
    --head.position;
    head.entry = sources_[head.source].timeline[head.position];
    std::push_heap(heap_.begin(), heap_.end(), older);
  }
  return result;
}

}  // namespace feedrank::ranker
