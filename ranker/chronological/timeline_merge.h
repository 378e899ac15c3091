// K-way merge of per-author timelines, newest first. Each timeline is sorted ascending, so the
// merge walks them backwards from a starting bound; a page costs O(F log P) to position (F
// authors, P posts each) plus O(page log F) to emit, independent of the corpus size.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "store/post_catalog.h"

namespace feedrank::ranker {

struct MergeSource {
  UserId author = 0;
  std::span<const store::TimelineEntry> timeline;  // ascending by (created_at, id)
};

struct MergedEntry {
  store::TimelineEntry entry;
  UserId author = 0;
};

class TimelineMerge {
 public:
  // Starts strictly below `below`, or at the newest entry when it is empty.
  TimelineMerge(std::span<const MergeSource> sources, std::optional<store::TimelineEntry> below);

  bool done() const { return heap_.empty(); }
  // The newest entry not yet returned. Requires !done().
  MergedEntry next();

 private:
  struct Head {
    store::TimelineEntry entry;
    std::uint32_t source = 0;
    std::size_t position = 0;  // index of `entry` in its timeline
  };
  static bool older(const Head& a, const Head& b) { return a.entry < b.entry; }

  std::span<const MergeSource> sources_;
  std::vector<Head> heap_;  // max-heap on entry
};

}  // namespace feedrank::ranker
