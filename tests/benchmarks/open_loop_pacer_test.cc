#include "benchmarks/load/open_loop_pacer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace feedrank::load {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

const Clock::time_point kStart = Clock::time_point{} + std::chrono::hours(1);

// The calls due by `now`, each sent at `now`.
std::vector<Clock::time_point> release(OpenLoopPacer& pacer, Clock::time_point now,
                                       std::size_t outstanding = 0) {
  std::vector<Clock::time_point> intended;
  pacer.release_due(now, outstanding, [&](Clock::time_point t) {
    intended.push_back(t);
    return now;
  });
  return intended;
}

TEST(OpenLoopPacer, CallsAreDueAtStartPlusIOverRate) {
  OpenLoopPacer pacer({.rate_per_s = 1000}, kStart);
  EXPECT_TRUE(release(pacer, kStart - microseconds(1)).empty());
  const auto sent = release(pacer, kStart + milliseconds(10));
  ASSERT_EQ(sent.size(), 11u);  // 0, 1, ..., 10 ms
  for (std::size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(sent[i], kStart + milliseconds(i));
  EXPECT_EQ(pacer.next_due(), kStart + milliseconds(11));
  EXPECT_EQ(pacer.counts().late, 8u);  // sent more than 2 ms after their time: 0..7 ms
}

TEST(OpenLoopPacer, AStalledSenderSendsTheBacklogAndLatencyRunsFromTheIntendedTime) {
  OpenLoopPacer pacer({.rate_per_s = 1000, .late_after = milliseconds(2)}, kStart);
  // The sender wakes 50 ms late: the calls of those 50 ms go at once, none is skipped.
  const Clock::time_point woke = kStart + milliseconds(50);
  const auto sent = release(pacer, woke);
  ASSERT_EQ(sent.size(), 51u);
  EXPECT_EQ(pacer.counts().due, 51u);
  EXPECT_EQ(pacer.counts().sent, 51u);
  EXPECT_EQ(pacer.counts().late, 48u);  // intended 0..47 ms: more than 2 ms behind at 50 ms
  // The first call's answer 1 ms after it was actually sent took 51 ms from its intended time.
  const Clock::time_point done = woke + milliseconds(1);
  EXPECT_EQ(latency_ns({.intended = sent.front(), .sent = woke}, done), 51'000'000u);
  EXPECT_EQ(latency_ns({.intended = sent.back(), .sent = woke}, done), 1'000'000u);
  // A closed-loop call has no intended time: from when it was sent.
  EXPECT_EQ(latency_ns({.intended = {}, .sent = woke}, done), 1'000'000u);
}

// The sender's last turn wakes 40 ms after the window's end: it still sends only the calls due
// before the end, but each one's send delay and lateness run to when it actually went out, after
// the batch's earlier calls (0.5 ms each here), not to the window's end.
TEST(OpenLoopPacer, SendDelaysRunToEachCallsOwnSendEvenPastTheWindowsEnd) {
  OpenLoopPacer pacer({.rate_per_s = 1000, .late_after = milliseconds(2)}, kStart);
  const Clock::time_point end = kStart + std::chrono::seconds(1);
  release(pacer, end - milliseconds(40));  // on time until 40 ms before the end
  pacer.reset_counts();
  Clock::time_point clock = end + milliseconds(40);
  std::vector<Clock::time_point> intended;
  pacer.release_due(end - Clock::duration(1), 0, [&](Clock::time_point t) {
    intended.push_back(t);
    const Clock::time_point sent = clock;
    clock += microseconds(500);
    return sent;
  });
  ASSERT_EQ(intended.size(), 39u);  // due at end - 39 ms ... end - 1 ms
  EXPECT_EQ(intended.front(), end - milliseconds(39));
  EXPECT_EQ(pacer.counts().sent, 39u);
  EXPECT_EQ(pacer.counts().late, 39u);
  // The first went out 79 ms after its time; the last, 38 sends later, 40 + 1 + 19 ms after.
  EXPECT_EQ(pacer.counts().send_delay.max_ns(), 79'000'000u);
  EXPECT_EQ(pacer.counts().send_delay.min_ns(), 60'000'000u);
}

TEST(OpenLoopPacer, DueCallsPastTheOutstandingCapAreDroppedNotQueued) {
  OpenLoopPacer pacer({.rate_per_s = 1000, .max_outstanding = 5}, kStart);
  const auto sent = release(pacer, kStart + milliseconds(9), /*outstanding=*/3);
  EXPECT_EQ(sent.size(), 2u);
  EXPECT_EQ(pacer.counts().due, 10u);
  EXPECT_EQ(pacer.counts().dropped, 8u);
  // Dropped calls are gone: once calls return, the next due call is the 11th.
  EXPECT_EQ(release(pacer, kStart + milliseconds(10), 0).size(), 1u);
  pacer.reset_counts();
  EXPECT_EQ(pacer.counts().due, 0u);
}

// A dropped call's intended time goes to the drop callback (the driver counts it by RPC there).
TEST(OpenLoopPacer, DroppedCallsAreHandedToTheDropCallback) {
  OpenLoopPacer pacer({.rate_per_s = 1000, .max_outstanding = 2}, kStart);
  std::vector<Clock::time_point> sent, dropped;
  const Clock::time_point now = kStart + milliseconds(4);
  pacer.release_due(
      now, 0,
      [&](Clock::time_point t) {
        sent.push_back(t);
        return now;
      },
      [&](Clock::time_point t) { dropped.push_back(t); });
  EXPECT_EQ(sent, (std::vector{kStart, kStart + milliseconds(1)}));
  EXPECT_EQ(dropped, (std::vector{kStart + milliseconds(2), kStart + milliseconds(3),
                                  kStart + milliseconds(4)}));
  EXPECT_EQ(pacer.counts().dropped, 3u);
}

// Past 1e7/s a gap rounds towards the clock's nanosecond, and at 0 ns no call is ever after
// `now`: release_due would never return.
TEST(OpenLoopPacer, RatesOutsideZeroToTenMillionAreRefused) {
  for (double rate : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(),
                      std::numeric_limits<double>::infinity(), 1e300, 1.0001e7}) {
    EXPECT_THROW(OpenLoopPacer({.rate_per_s = rate}, kStart), std::invalid_argument) << rate;
  }
  OpenLoopPacer fastest({.rate_per_s = 1e7}, kStart);
  EXPECT_EQ(release(fastest, kStart + microseconds(1)).size(), 11u);  // every 100 ns
}

TEST(OpenLoopPacer, FixedGapsDoNotDrift) {
  OpenLoopPacer pacer({.rate_per_s = 3000, .max_outstanding = 10'000'000}, kStart);
  std::size_t calls = 0;
  pacer.release_due(kStart + std::chrono::seconds(1000), 0, [&](Clock::time_point t) {
    ++calls;
    return t;
  });
  EXPECT_EQ(calls, 3'000'001u);
  // Call 3,000,001 is due at 1000 s + 1/3 ms, to the nanosecond.
  EXPECT_NEAR(std::chrono::duration<double>(pacer.next_due() - kStart).count(), 1000.0 + 1.0 / 3000,
              1e-9);
}

TEST(OpenLoopPacer, PhasedThreadsInterleaveIntoOneEvenStream) {
  // Two threads sharing 2000/s: 1000/s each, the second 0.5 ms later.
  OpenLoopPacer first({.rate_per_s = 1000}, kStart);
  OpenLoopPacer second({.rate_per_s = 1000, .phase = microseconds(500)}, kStart);
  auto a = release(first, kStart + milliseconds(5));
  auto b = release(second, kStart + milliseconds(5));
  a.insert(a.end(), b.begin(), b.end());
  std::sort(a.begin(), a.end());
  ASSERT_EQ(a.size(), 11u);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], kStart + microseconds(500 * i));
}

TEST(OpenLoopPacer, PoissonArrivalsHaveTheRateAndExponentialGaps) {
  OpenLoopPacer pacer(
      {.rate_per_s = 1000, .poisson = true, .seed = 3, .max_outstanding = 1'000'000}, kStart);
  std::vector<double> gaps;
  Clock::time_point previous = kStart;
  pacer.release_due(kStart + std::chrono::seconds(100), 0, [&](Clock::time_point t) {
    gaps.push_back(std::chrono::duration<double>(t - previous).count());
    previous = t;
    return t;
  });
  // 100,000 expected; a Poisson count's standard deviation is sqrt(100,000) ~ 316.
  EXPECT_NEAR(static_cast<double>(gaps.size()), 100'000, 1'600);
  double sum = 0, sum_sq = 0;
  for (double g : gaps) {
    sum += g;
    sum_sq += g * g;
  }
  const double mean = sum / static_cast<double>(gaps.size());
  const double sd = std::sqrt(sum_sq / static_cast<double>(gaps.size()) - mean * mean);
  EXPECT_NEAR(mean, 1e-3, 2e-5);
  EXPECT_NEAR(sd / mean, 1.0, 0.02);  // exponential: standard deviation equals the mean
}

}  // namespace
}  // namespace feedrank::load
