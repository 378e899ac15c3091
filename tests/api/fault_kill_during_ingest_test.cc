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

// kill -9 while the background indexer builds an HNSW graph behind the writes: nothing
// acknowledged is lost, and after the restart (whose replay brings every post back unindexed)
// the indexer catches up: the lag goes to zero and every post was indexed again.
TEST(FaultKillDuringIngest, KilledWhileIndexingInTheBackgroundTheIndexCatchesUpAfterRestart) {
  testing::TempDir scratch;
  KillCycleOptions options;
  options.scratch_dir = scratch.path();
  options.cycles = 2;
  options.seed = ::testing::UnitTest::GetInstance()->random_seed();
  options.posts_per_chunk = 64;
  options.server_args = {"--cpu-index", "hnsw"};
  options.index_catch_up_timeout = std::chrono::seconds(120);
  const KillCycleReport report = run_kill_cycles(options);
  ASSERT_EQ(report.error, "");
  ASSERT_EQ(report.cycles.size(), 2u);
  std::uint64_t lag_at_restart = 0;
  for (const CycleReport& cycle : report.cycles) {
    SCOPED_TRACE("cycle " + std::to_string(cycle.cycle));
    EXPECT_THAT(cycle.problems, IsEmpty());
    EXPECT_EQ(cycle.exit, "signal 9");
    EXPECT_GE(cycle.index_catch_up_ms, 0) << "the index lag did not reach 0";
    // No saved index after a crash: the restart indexes every post again.
    EXPECT_GE(cycle.indexed_after_restart, cycle.posts_after_restart);
    lag_at_restart += cycle.index_lag_at_restart;
  }
  // The server answers while the replayed posts are indexed behind it.
  EXPECT_GT(lag_at_restart, 0u);
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
