#include "benchmarks/load/process_cpu.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <optional>

namespace feedrank::load {
namespace {

TEST(ProcessCpu, GrowsWhileThisProcessComputes) {
  const auto before = process_cpu_seconds(0);
  ASSERT_TRUE(before.has_value());
  // Busy until the count shows 50 ms more, within 10 s of wall time: on a loaded machine (tests
  // beside each other on two cores) 100 ms of wall time gave less than 50 ms of CPU.
  volatile double sink = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::optional<double> after = before;
  while (after.has_value() && *after - *before < 0.05 &&
         std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 100'000; ++i) sink = sink + 1.0;
    after = process_cpu_seconds(0);
  }
  ASSERT_TRUE(after.has_value());
  EXPECT_GE(*after - *before, 0.05) << "no CPU counted in 10 s of computing";
  EXPECT_TRUE(process_cpu_seconds(::getpid()).has_value()) << "this process by its pid";
}

TEST(ProcessCpu, NoneForAProcessThatDoesNotExist) {
  EXPECT_FALSE(process_cpu_seconds(INT_MAX).has_value());
}

}  // namespace
}  // namespace feedrank::load
