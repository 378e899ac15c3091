#include "ranker/chronological/chronological_feed.h"

#include "ranker/chronological/timeline_merge.h"
#include "ranker/filters/visibility_filter.h"

namespace feedrank::ranker {

ChronologicalPage chronological_page(const store::FeedState& state, UserId viewer, int limit,
                                     std::optional<store::TimelineEntry> below,
                                     const absl::flat_hash_set<UserId>& skip_authors) {
  const auto& followees = state.graph.followees(viewer);
  std::vector<MergeSource> sources;
  sources.reserve(followees.size() + 1);
  sources.push_back({viewer, state.posts.timeline(viewer)});
  for (UserId followee : followees) sources.push_back({followee, state.posts.timeline(followee)});

  ChronologicalPage page;
  TimelineMerge merge(sources, below);
  while (!merge.done() && static_cast<int>(page.items.size()) < limit) {
    const MergedEntry merged = merge.next();
    page.last_shown = merged.entry;
    const store::PostView* view = state.posts.find(merged.entry.id);
    if (!view || view->deleted || skip_authors.contains(view->author) ||
        !viewer_may_see(state, viewer, *view)) {
      continue;
    }
    FeedItem item;
    item.post = view->id;
    item.author = view->author;
    item.created_at = view->created_at;
    item.text = view->text();
    item.score = 1.0;
    item.source = view->author == viewer ? CandidateSource::kSelf : CandidateSource::kFollowing;
    item.in_network = true;
    page.items.push_back(std::move(item));
  }
  page.more = !merge.done();
  return page;
}

}  // namespace feedrank::ranker
