#include "common/thread_priority.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <optional>
#include <thread>

namespace feedrank {
namespace {

int this_threads_nice() { return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())); }

// Each case runs in a thread of its own: the test's thread keeps its priority. Empty where the
// start cannot be set (a non-root test run already niced above it).
std::optional<int> nice_after(int start_nice, int steps) {
  std::optional<int> after;
  std::thread([&] {
    if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), start_nice) != 0) return;
    after = lower_this_threads_priority(steps);
    EXPECT_EQ(*after, this_threads_nice());
  }).join();
  return after;
}

TEST(LowerThisThreadsPriority, AddsToTheNiceValueItFinds) {
  if (this_threads_nice() > 2 && geteuid() != 0) GTEST_SKIP() << "already niced above 2";
  EXPECT_EQ(nice_after(2, 10), 12);
  EXPECT_EQ(nice_after(5, 3), 8);
}

// The case that an absolute setting got wrong: a process started at nice 15 would have had its
// background thread raised to 10 (as root) above its request threads.
TEST(LowerThisThreadsPriority, NeverRaisesAThreadAlreadyLowAndStopsAtNineteen) {
  const std::optional<int> from_15 = nice_after(15, 10);
  if (!from_15) GTEST_SKIP() << "already niced above 15";
  EXPECT_EQ(*from_15, 19);
  EXPECT_EQ(nice_after(19, 10), 19);
}

}  // namespace
}  // namespace feedrank
