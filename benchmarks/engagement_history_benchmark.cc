// A post's decayed engagement counts (the algorithmic feed reads them for every candidate), on a
// viral post of N engagers, one a second, read a second after the last: after all of them (the
// running sums); with one engager stamped ahead of the read, as a client whose clock runs ahead
// sends it (checkpointed sums plus the engagers since the last checkpoint before it): the newest,
// an hour ahead, or the one that arrived an hour before the read, a day ahead (the write path's
// limit), the worst case: an hour of arrivals summed one by one.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "store/engagement_history.h"

namespace feedrank::bench {
namespace {

constexpr TimestampMs kFirstAt = 1'764'000'000'000;  // 2025-11-24
constexpr TimestampMs kSecond = 1000;
constexpr TimestampMs kHour = 3600 * kSecond;
constexpr TimestampMs kDay = 24 * kHour;
constexpr PostId kPost = 1;

// Engager number engagers - arrived_before_last (0: the newest) is stamped `ahead_by` later.
store::EngagementHistory viral_post(std::int64_t engagers, std::int64_t arrived_before_last,
                                    TimestampMs ahead_by) {
  store::EngagementHistory history;
  for (std::int64_t i = 0; i < engagers; ++i) {
    const bool skewed = i == engagers - 1 - arrived_before_last;
    Engagement engagement;
    engagement.user = static_cast<UserId>(i + 1);
    engagement.post = kPost;
    engagement.kind = static_cast<EngagementKind>(i % kEngagementKindCount);
    engagement.at = kFirstAt + i * kSecond + (skewed ? ahead_by : 0);
    history.add(engagement, /*author=*/1);
  }
  return history;
}

void read_counts(benchmark::State& state, std::int64_t arrived_before_last, TimestampMs ahead_by) {
  const std::int64_t engagers = state.range(0);
  const store::EngagementHistory history = viral_post(engagers, arrived_before_last, ahead_by);
  const TimestampMs now = kFirstAt + engagers * kSecond;  // a second after the last arrival
  for (auto _ : state) benchmark::DoNotOptimize(history.decayed_counts(kPost, now));
}

void BM_DecayedCountsAfterEveryEngager(benchmark::State& state) { read_counts(state, 0, 0); }
void BM_DecayedCountsNewestAnHourAhead(benchmark::State& state) { read_counts(state, 0, kHour); }
void BM_DecayedCountsAnHourOldADayAhead(benchmark::State& state) {
  read_counts(state, kHour / kSecond, kDay);
}

BENCHMARK(BM_DecayedCountsAfterEveryEngager)->Arg(1'000)->Arg(100'000);
BENCHMARK(BM_DecayedCountsNewestAnHourAhead)->Arg(1'000)->Arg(100'000);
BENCHMARK(BM_DecayedCountsAnHourOldADayAhead)->Arg(100'000);

}  // namespace
}  // namespace feedrank::bench

BENCHMARK_MAIN();
