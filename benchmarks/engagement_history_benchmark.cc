// A post's decayed engagement counts (the algorithmic feed reads them for every candidate), on a
// viral post of N engagers, one a second: read after all of them (the running sums), and with
// the newest one stamped an hour ahead of the read, as a client whose clock runs ahead sends it
// (checkpointed sums plus the engagers since the last checkpoint before it).
#include <benchmark/benchmark.h>

#include <cstdint>

#include "store/engagement_history.h"

namespace feedrank::bench {
namespace {

constexpr TimestampMs kFirstAt = 1'764'000'000'000;  // 2025-11-24
constexpr TimestampMs kSecond = 1000;
constexpr TimestampMs kHour = 3600 * kSecond;
constexpr PostId kPost = 1;

store::EngagementHistory viral_post(std::int64_t engagers, TimestampMs last_ahead_by) {
  store::EngagementHistory history;
  for (std::int64_t i = 0; i < engagers; ++i) {
    const bool last = i + 1 == engagers;
    Engagement engagement;
    engagement.user = static_cast<UserId>(i + 1);
    engagement.post = kPost;
    engagement.kind = static_cast<EngagementKind>(i % kEngagementKindCount);
    engagement.at = kFirstAt + i * kSecond + (last ? last_ahead_by : 0);
    history.add(engagement, /*author=*/1);
  }
  return history;
}

void read_counts(benchmark::State& state, TimestampMs last_ahead_by) {
  const std::int64_t engagers = state.range(0);
  const store::EngagementHistory history = viral_post(engagers, last_ahead_by);
  const TimestampMs now = kFirstAt + engagers * kSecond;  // a second after the last arrival
  for (auto _ : state) benchmark::DoNotOptimize(history.decayed_counts(kPost, now));
}

void BM_DecayedCountsAfterEveryEngager(benchmark::State& state) { read_counts(state, 0); }
void BM_DecayedCountsOneEngagerAhead(benchmark::State& state) { read_counts(state, kHour); }

BENCHMARK(BM_DecayedCountsAfterEveryEngager)->Arg(1'000)->Arg(100'000);
BENCHMARK(BM_DecayedCountsOneEngagerAhead)->Arg(1'000)->Arg(100'000);

}  // namespace
}  // namespace feedrank::bench

BENCHMARK_MAIN();
