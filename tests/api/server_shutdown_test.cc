// feedrank-server stops cleanly on SIGINT and SIGTERM: exit code 0, the user vectors and the
// HNSW index saved, so the next start has nothing to replay or rebuild. (Threads that libraries
// start before main, such as OpenBLAS's pool under FAISS, must not take the signal's default
// action and kill the process instead.)
#include <gmock/gmock.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "tests/api/server_process.h"
#include "tests/api/test_client.h"
#include "tests/api/test_records.h"
#include "tests/support/temp_dir.h"

namespace feedrank::api_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

MATCHER(ExitedCleanly, "exited by itself with code 0") {
  *result_listener << (arg.exited ? "exit code " : "signal ") << arg.code;
  return arg.exited && arg.code == 0;
}

class ServerShutdown : public ::testing::TestWithParam<int> {
 protected:
  testing::TempDir scratch_;
};

TEST_P(ServerShutdown, StopsCleanlyAndTheNextStartHasNothingToReplayOrRebuild) {
  const auto data_dir = scratch_.path() / "data";
  const std::vector<std::string> hnsw = {"--cpu-index", "hnsw"};
  std::string log;
  {
    ServerProcess server("127.0.0.1:0", data_dir, scratch_.path(), hnsw);
    const std::string address = server.wait_until_listening();
    ASSERT_NE(address, "") << server.stderr_text();
    TestClient client(address);
    ASSERT_TRUE(client.upsert_users({user(1)}).status.ok());
    ASSERT_TRUE(client.create_posts({post(10, 1, 1000), post(11, 1, 2000)}).status.ok());
    ASSERT_TRUE(client.record_engagements({engagement(1, 10)}).status.ok());
    EXPECT_THAT(server.stop(GetParam()), Optional(ExitedCleanly()));
    EXPECT_EQ(server.stderr_text(), "");
  }
  EXPECT_TRUE(std::filesystem::exists(data_dir / "retrieval-index.faiss"));

  ServerProcess again("127.0.0.1:0", data_dir, scratch_.path(), hnsw);
  ASSERT_NE(again.wait_until_listening(), "") << again.stderr_text();
  const std::string started = again.startup_output();
  EXPECT_THAT(started, HasSubstr("read the saved retrieval index of 2 posts"));
  EXPECT_THAT(started, Not(HasSubstr("replaying")));
  EXPECT_THAT(again.stop(SIGTERM), Optional(ExitedCleanly()));
}

// A script that reads the server's stdout up to "listening on" and then goes away: the next log
// line (the signal's) meets a closed pipe, and the server still stops cleanly.
TEST(ServerShutdownAfterStdoutCloses, StopsCleanlyWhenItsStdoutReaderHasGone) {
  testing::TempDir scratch;
  ServerProcess server("127.0.0.1:0", scratch.path() / "data", scratch.path());
  ASSERT_NE(server.wait_until_listening(), "") << server.stderr_text();
  server.process().close_stdout();
  EXPECT_THAT(server.stop(SIGTERM), Optional(ExitedCleanly()));
}

// A crash after a clean stop: the start reads the index the clean stop saved and indexes only
// the posts written since, in the background, and says so.
TEST(ServerCrashAfterCleanStop, TheNextStartStillReadsTheSavedIndex) {
  testing::TempDir scratch;
  const auto data_dir = scratch.path() / "data";
  const std::vector<std::string> hnsw = {"--cpu-index", "hnsw"};
  {
    ServerProcess server("127.0.0.1:0", data_dir, scratch.path(), hnsw);
    const std::string address = server.wait_until_listening();
    ASSERT_NE(address, "") << server.stderr_text();
    TestClient client(address);
    ASSERT_TRUE(client.upsert_users({user(1)}).status.ok());
    ASSERT_TRUE(client.create_posts({post(10, 1, 1000), post(11, 1, 2000)}).status.ok());
    EXPECT_THAT(server.stop(SIGTERM), Optional(ExitedCleanly()));
  }
  {
    ServerProcess server("127.0.0.1:0", data_dir, scratch.path(), hnsw);
    const std::string address = server.wait_until_listening();
    ASSERT_NE(address, "") << server.stderr_text();
    TestClient client(address);
    ASSERT_TRUE(
        client.create_posts({post(12, 1, 3000), post(13, 1, 4000), post(14, 1, 5000)}).status.ok());
    server.kill_hard();
  }
  ServerProcess again("127.0.0.1:0", data_dir, scratch.path(), hnsw);
  const std::string address = again.wait_until_listening();
  ASSERT_NE(address, "") << again.stderr_text();
  EXPECT_THAT(again.startup_output(), HasSubstr("read the saved retrieval index of 2 posts"));
  EXPECT_THAT(again.startup_output(), HasSubstr("indexing 3 post vectors in the background"));
  TestClient client(address);
  v1::GetStatsResponse stats = client.stats();
  for (int i = 0; i < 500 && stats.index_lag() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    stats = client.stats();
  }
  EXPECT_EQ(stats.index_lag(), 0u);
  EXPECT_EQ(stats.background_indexed_rows(), 3u);  // the saved index held the other two
  EXPECT_EQ(stats.posts(), 5u);
}

INSTANTIATE_TEST_SUITE_P(Signals, ServerShutdown, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& info) {
                           return std::string(info.param == SIGINT ? "Sigint" : "Sigterm");
                         });

}  // namespace
}  // namespace feedrank::api_test
