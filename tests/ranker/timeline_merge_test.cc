#include "ranker/chronological/timeline_merge.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace feedrank::ranker {
namespace {

using store::TimelineEntry;

struct RandomTimelines {
  std::vector<std::vector<TimelineEntry>> timelines;
  std::vector<MergeSource> sources;
  std::vector<TimelineEntry> all;  // every entry, newest first

  RandomTimelines(int authors, int max_posts, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    PostId next_id = 1;
    timelines.resize(authors);
    for (int a = 0; a < authors; ++a) {
      const int count = static_cast<int>(rng() % (max_posts + 1));
      for (int i = 0; i < count; ++i)
        timelines[a].push_back({static_cast<TimestampMs>(rng() % 100), next_id++});
      std::sort(timelines[a].begin(), timelines[a].end());
      all.insert(all.end(), timelines[a].begin(), timelines[a].end());
    }
    for (int a = 0; a < authors; ++a) sources.push_back({static_cast<UserId>(a + 1), timelines[a]});
    std::sort(all.rbegin(), all.rend());
  }
};

std::vector<TimelineEntry> drain(TimelineMerge& merge, std::size_t max) {
  std::vector<TimelineEntry> out;
  while (!merge.done() && out.size() < max) out.push_back(merge.next().entry);
  return out;
}

TEST(TimelineMerge, EqualsSortingEverythingNewestFirst) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    RandomTimelines data(1 + static_cast<int>(seed % 13), 40, seed);
    TimelineMerge merge(data.sources, std::nullopt);
    EXPECT_EQ(drain(merge, SIZE_MAX), data.all) << "seed " << seed;
  }
}

TEST(TimelineMerge, StartsStrictlyBelowTheBound) {
  RandomTimelines data(9, 30, 42);
  ASSERT_GT(data.all.size(), 20u);
  const TimelineEntry bound = data.all[17];
  TimelineMerge merge(data.sources, bound);
  const std::vector<TimelineEntry> expected(data.all.begin() + 18, data.all.end());
  EXPECT_EQ(drain(merge, SIZE_MAX), expected);
}

TEST(TimelineMerge, PagesConcatenateToTheWholeTimeline) {
  RandomTimelines data(17, 25, 5);
  std::vector<TimelineEntry> walked;
  std::optional<TimelineEntry> bound;
  while (true) {
    TimelineMerge merge(data.sources, bound);
    auto page = drain(merge, 7);
    if (page.empty()) break;
    walked.insert(walked.end(), page.begin(), page.end());
    bound = page.back();
  }
  EXPECT_EQ(walked, data.all);
}

TEST(TimelineMerge, ReportsWhichAuthorEachEntryCameFrom) {
  std::vector<TimelineEntry> a{{10, 1}, {30, 3}};
  std::vector<TimelineEntry> b{{20, 2}};
  std::vector<MergeSource> sources{{100, a}, {200, b}};
  TimelineMerge merge(sources, std::nullopt);
  EXPECT_EQ(merge.next().author, 100u);
  EXPECT_EQ(merge.next().author, 200u);
  EXPECT_EQ(merge.next().author, 100u);
  EXPECT_TRUE(merge.done());
}

}  // namespace
}  // namespace feedrank::ranker
