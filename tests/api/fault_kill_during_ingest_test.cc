// kill -9 of the real server while an Ingest stream is in flight, a few times over on one data
// directory: after each restart every acknowledged chunk is whole and every unacknowledged one
// whole or absent (benchmarks/fault/kill_cycles runs the same cycles 20 times and more); and the
// same with SIGTERM, which must also exit 0.
#include <gmock/gmock.h>
#include <signal.h>

#include "tests/api/fault/kill_cycles.h"
#include "tests/support/temp_dir.h"

namespace feedrank::api_test {
namespace {

using ::testing::IsEmpty;

TEST(FaultKillDuringIngest, EveryAcknowledgedChunkSurvivesAndNoneIsHalfThere) {
  testing::TempDir scratch;
  KillCycleOptions options;
  options.scratch_dir = scratch.path();
  options.cycles = 3;
  options.seed = ::testing::UnitTest::GetInstance()->random_seed();
  const KillCycleReport report = run_kill_cycles(options);
  ASSERT_EQ(report.error, "");
  ASSERT_EQ(report.cycles.size(), 3u);
  int mid_stream = 0;
  for (const CycleReport& cycle : report.cycles) {
    SCOPED_TRACE("cycle " + std::to_string(cycle.cycle) + ", killed after " +
                 std::to_string(cycle.kill_delay_ms) + " ms");
    EXPECT_THAT(cycle.problems, IsEmpty());
    EXPECT_EQ(cycle.exit, "signal 9");
    mid_stream += cycle.killed_mid_stream;
  }
  EXPECT_GT(report.cycles.back().acknowledged_total, 0u);
  // The writer streams back to back: a kill between two streams is a rare coincidence, and three
  // of them would mean the test no longer cuts a stream short.
  EXPECT_GT(mid_stream, 0) << "no kill caught a stream in flight";
}

// A clean stop while an Ingest stream is in flight: the stream in flight finishes or gets a clean
// status within the grace period, the server exits 0, and what was acknowledged is durable.
TEST(FaultStopDuringIngest, SigtermExitsZeroAndKeepsEveryAcknowledgedChunk) {
  testing::TempDir scratch;
  KillCycleOptions options;
  options.scratch_dir = scratch.path();
  options.cycles = 2;
  options.seed = ::testing::UnitTest::GetInstance()->random_seed();
  options.stop_signal = SIGTERM;
  const KillCycleReport report = run_kill_cycles(options);
  ASSERT_EQ(report.error, "");
  ASSERT_EQ(report.cycles.size(), 2u);
  for (const CycleReport& cycle : report.cycles) {
    SCOPED_TRACE("cycle " + std::to_string(cycle.cycle));
    EXPECT_EQ(cycle.exit, "exit code 0");
    EXPECT_THAT(cycle.problems, IsEmpty());
  }
  EXPECT_GT(report.cycles.back().acknowledged_total, 0u);
}

}  // namespace
}  // namespace feedrank::api_test
