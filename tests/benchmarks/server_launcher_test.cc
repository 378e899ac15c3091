// The load generator's launcher with the real feedrank-server: the first start loads the
// corpus, a second start on the same work directory reuses it (and where the last run's clock
// stopped), another corpus is refused.
#include "benchmarks/load/server_launcher.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace feedrank::load {
namespace {

LaunchOptions tiny(const std::filesystem::path& work_dir) {
  LaunchOptions options;
  options.server_binary = FEEDRANK_SERVER_BIN;
  options.work_dir = work_dir;
  options.corpus = {.users = 40, .posts = 300, .seed = 3};
  options.server_args = {"--impression-log", "off"};
  options.startup_timeout = std::chrono::seconds(60);
  return options;
}

TEST(ServerLauncher, LoadsTheCorpusOnceAndReusesTheWorkDirectory) {
  testing::TempDir work;
  std::int64_t last_record_ms = 0;
  {
    auto first = LaunchedServer::start(tiny(work.path()));
    ASSERT_TRUE(first.ok()) << first.status();
    EXPECT_TRUE((*first)->corpus().loaded_now);
    EXPECT_EQ((*first)->corpus().counts.users, 40u);
    EXPECT_EQ((*first)->corpus().counts.posts, 300u);
    EXPECT_GT((*first)->corpus().last_record_ms, 0);
    last_record_ms = (*first)->corpus().last_record_ms;
    EXPECT_EQ((*first)->stop(), "exit 0");
  }
  auto second = LaunchedServer::start(tiny(work.path()));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE((*second)->corpus().loaded_now);
  EXPECT_EQ((*second)->corpus().counts.posts, 300u);
  EXPECT_EQ((*second)->corpus().last_record_ms, last_record_ms);
  EXPECT_FALSE((*second)->address().empty());
}

TEST(ServerLauncher, KeepsWhereTheLastRunsClockStoppedForTheNext) {
  testing::TempDir work;
  std::int64_t stopped_at = 0;
  {
    auto first = LaunchedServer::start(tiny(work.path()));
    ASSERT_TRUE(first.ok()) << first.status();
    EXPECT_EQ((*first)->corpus().clock_stopped_ms, 0);
    EXPECT_EQ(next_run_clock_ms((*first)->corpus()), (*first)->corpus().last_record_ms);
    stopped_at = (*first)->corpus().last_record_ms + 90'000;
    EXPECT_TRUE((*first)->record_clock_stopped(stopped_at).ok());
    // An earlier clock moves nothing back.
    EXPECT_TRUE((*first)->record_clock_stopped(stopped_at - 1).ok());
  }
  auto second = LaunchedServer::start(tiny(work.path()));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE((*second)->corpus().loaded_now);
  EXPECT_EQ((*second)->corpus().clock_stopped_ms, stopped_at);
  EXPECT_EQ(next_run_clock_ms((*second)->corpus()), stopped_at + 1);
  EXPECT_FALSE(std::filesystem::exists(work.path() / "load-corpus.json.new"));
}

TEST(ServerLauncher, RefusesAWorkDirectoryHoldingAnotherCorpus) {
  testing::TempDir work;
  {
    auto first = LaunchedServer::start(tiny(work.path()));
    ASSERT_TRUE(first.ok()) << first.status();
  }
  LaunchOptions other = tiny(work.path());
  other.corpus.posts = 301;
  auto refused = LaunchedServer::start(other);
  ASSERT_FALSE(refused.ok());
  const std::string message(refused.status().message());
  EXPECT_TRUE(message.starts_with("--data-dir: ")) << message;
  EXPECT_NE(message.find("\"posts\":300"), std::string::npos) << message;
}

TEST(ServerLauncher, RefusesAStoreWithoutItsCorpusMarker) {
  testing::TempDir work;
  std::filesystem::create_directories(work.path() / "server");
  std::ofstream(work.path() / "server" / "CURRENT") << "MANIFEST-000001\n";
  auto refused = LaunchedServer::start(tiny(work.path()));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(std::string(refused.status().message()).find("load-corpus.json"), std::string::npos)
      << refused.status();
}

}  // namespace
}  // namespace feedrank::load
