#include "benchmarks/load/process_cpu.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <climits>

namespace feedrank::load {
namespace {

TEST(ProcessCpu, GrowsWhileThisProcessComputes) {
  const auto before = process_cpu_seconds(0);
  ASSERT_TRUE(before.has_value());
  // Busy for 100 ms of wall time: at least some ticks of CPU.
  volatile double sink = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  while (std::chrono::steady_clock::now() < until) sink = sink + 1.0;
  const auto after = process_cpu_seconds(0);
  ASSERT_TRUE(after.has_value());
  EXPECT_GE(*after - *before, 0.05);
  EXPECT_TRUE(process_cpu_seconds(::getpid()).has_value()) << "this process by its pid";
}

TEST(ProcessCpu, NoneForAProcessThatDoesNotExist) {
  EXPECT_FALSE(process_cpu_seconds(INT_MAX).has_value());
}

}  // namespace
}  // namespace feedrank::load
