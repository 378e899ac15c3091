// feedrank-server refuses to start, with a non-zero exit and a one-line reason on stderr, when
// it cannot have its port or its data directory.
#include <gmock/gmock.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/api/server_process.h"
#include "tests/support/temp_dir.h"

namespace feedrank::api_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

MATCHER(ExitedWithFailure, "exited by itself with a non-zero code") {
  *result_listener << (arg.exited ? "exit code " : "signal ") << arg.code;
  return arg.exited && arg.code != 0;
}

// Exactly one non-empty line.
MATCHER(IsOneLine, "is one line") {
  const auto newlines = std::count(arg.begin(), arg.end(), '\n');
  return !arg.empty() && newlines == 1 && arg.back() == '\n' && arg.size() > 1;
}

class ServerStartupErrors : public ::testing::Test {
 protected:
  testing::TempDir scratch_;
};

TEST_F(ServerStartupErrors, ASecondServerOnATakenPortExitsWithOneLine) {
  ServerProcess first("127.0.0.1:0", scratch_.path() / "first", scratch_.path());
  const std::string address = first.wait_until_listening();
  ASSERT_NE(address, "") << first.stderr_text();

  ServerProcess second(address, scratch_.path() / "second", scratch_.path());
  EXPECT_THAT(second.wait_for_exit(), Optional(ExitedWithFailure()));
  const std::string error = second.stderr_text();
  EXPECT_THAT(error, IsOneLine()) << error;
  EXPECT_THAT(error, HasSubstr(address));
}

TEST_F(ServerStartupErrors, ADataDirectoryThatIsARegularFileExitsWithOneLine) {
  const auto not_a_dir = scratch_.path() / "regular-file";
  std::ofstream(not_a_dir) << "not a directory\n";

  ServerProcess server("127.0.0.1:0", not_a_dir, scratch_.path());
  EXPECT_THAT(server.wait_for_exit(), Optional(ExitedWithFailure()));
  const std::string error = server.stderr_text();
  EXPECT_THAT(error, IsOneLine()) << error;
  EXPECT_THAT(error, HasSubstr(not_a_dir.string()));
}

TEST_F(ServerStartupErrors, ASecondServerOnTheSameDataDirectoryExitsWithOneLine) {
  const auto data_dir = scratch_.path() / "data";
  ServerProcess first("127.0.0.1:0", data_dir, scratch_.path());
  ASSERT_NE(first.wait_until_listening(), "") << first.stderr_text();

  ServerProcess second("127.0.0.1:0", data_dir, scratch_.path());
  EXPECT_THAT(second.wait_for_exit(), Optional(ExitedWithFailure()));
  const std::string error = second.stderr_text();
  EXPECT_THAT(error, IsOneLine()) << error;
  EXPECT_THAT(error, HasSubstr(data_dir.string()));
}

// Where a GPU is usable the server starts on it instead (the GPU suite covers that machine).
TEST_F(ServerStartupErrors, ARequiredGpuThatIsMissingExitsWithOneLine) {
  if (std::filesystem::exists("/dev/nvidia0")) GTEST_SKIP() << "this machine has a GPU";
  ServerProcess server("127.0.0.1:0", scratch_.path() / "data", scratch_.path(),
                       {"--backend", "gpu"});
  EXPECT_THAT(server.wait_for_exit(), Optional(ExitedWithFailure()));
  const std::string error = server.stderr_text();
  EXPECT_THAT(error, IsOneLine()) << error;
  EXPECT_THAT(error, HasSubstr("backend gpu requested"));
}

TEST_F(ServerStartupErrors, ABadRankingConfigExitsWithOneLineNamingTheField) {
  const auto config = scratch_.path() / "ranking.json";
  std::ofstream(config) << R"({"version": "mine", "weights": {"similarity": "high"}})";
  ServerProcess server("127.0.0.1:0", scratch_.path() / "data", scratch_.path(),
                       {"--ranking-config", config.string()});
  EXPECT_THAT(server.wait_for_exit(), Optional(ExitedWithFailure()));
  const std::string error = server.stderr_text();
  EXPECT_THAT(error, IsOneLine()) << error;
  EXPECT_THAT(error, HasSubstr("weights.similarity"));
  EXPECT_THAT(error, HasSubstr(config.string()));
}

TEST_F(ServerStartupErrors, ABadExperimentsConfigExitsWithOneLineNamingTheField) {
  const auto config = scratch_.path() / "experiments.json";
  std::ofstream(config) << R"({"experiments": [{"id": "e", "salt": "s", "arms": [
      {"name": "a", "share": 0.5, "mode": "sideways"}]}]})";
  ServerProcess server("127.0.0.1:0", scratch_.path() / "data", scratch_.path(),
                       {"--experiments", config.string()});
  EXPECT_THAT(server.wait_for_exit(), Optional(ExitedWithFailure()));
  const std::string error = server.stderr_text();
  EXPECT_THAT(error, IsOneLine()) << error;
  EXPECT_THAT(error, HasSubstr("experiments[0].arms[0].mode"));
  EXPECT_THAT(error, HasSubstr(config.string()));
  EXPECT_FALSE(std::filesystem::exists(scratch_.path() / "data"));  // refused before opening it
}

TEST_F(ServerStartupErrors, AMissingRankingConfigExitsWithOneLine) {
  const auto config = scratch_.path() / "no-such-config.json";
  ServerProcess server("127.0.0.1:0", scratch_.path() / "data", scratch_.path(),
                       {"--ranking-config", config.string()});
  EXPECT_THAT(server.wait_for_exit(), Optional(ExitedWithFailure()));
  const std::string error = server.stderr_text();
  EXPECT_THAT(error, IsOneLine()) << error;
  EXPECT_THAT(error, HasSubstr(config.string()));
}

TEST_F(ServerStartupErrors, ABadVectorSpaceExitsWithOneLineNamingTheFlag) {
  ServerProcess server("127.0.0.1:0", scratch_.path() / "data", scratch_.path(),
                       {"--vector-space", "learnt"});
  EXPECT_THAT(server.wait_for_exit(), Optional(ExitedWithFailure()));
  const std::string error = server.stderr_text();
  EXPECT_THAT(error, IsOneLine()) << error;
  EXPECT_THAT(error, HasSubstr("--vector-space"));
  EXPECT_THAT(error, HasSubstr("learnt"));
  EXPECT_FALSE(std::filesystem::exists(scratch_.path() / "data"));  // refused before opening it
}

// Hybrid vectors are twice the embedding dimension: refused before the store is opened (and
// replayed, which can take a minute), naming the flag and its limit.
TEST_F(ServerStartupErrors, AHybridSpaceTooWideForItsDimensionExitsBeforeOpeningTheStore) {
  ServerProcess server("127.0.0.1:0", scratch_.path() / "data", scratch_.path(),
                       {"--vector-space", "hybrid", "--embedding-dimension", "520"});
  EXPECT_THAT(server.wait_for_exit(), Optional(ExitedWithFailure()));
  const std::string error = server.stderr_text();
  EXPECT_THAT(error, IsOneLine()) << error;
  EXPECT_THAT(error, HasSubstr("--embedding-dimension: 520 is over 512"));
  EXPECT_FALSE(std::filesystem::exists(scratch_.path() / "data"));  // refused before opening it
}

TEST_F(ServerStartupErrors, ABadTrainingFlagExitsWithOneLineNamingIt) {
  const std::vector<std::pair<std::string, std::string>> bad = {{"--train-every", "6 hours"},
                                                                {"--hybrid-text-weight", "1.5"},
                                                                {"--train-backend", "tpu"},
                                                                {"--train-iterations", "0"},
                                                                {"--train-at-start", "maybe"}};
  for (const auto& [flag, value] : bad) {
    ServerProcess server("127.0.0.1:0", scratch_.path() / "data", scratch_.path(),
                         {"--vector-space", "learned", flag, value});
    EXPECT_THAT(server.wait_for_exit(), Optional(ExitedWithFailure())) << flag;
    const std::string error = server.stderr_text();
    EXPECT_THAT(error, IsOneLine()) << error;
    EXPECT_THAT(error, HasSubstr(flag));
  }
}

}  // namespace
}  // namespace feedrank::api_test
