// feedrank-load refuses flags a run would ignore: the launcher's flags beside --server, and the
// open loop's settings in a closed loop without a write stream. Each answer comes before any
// server is started or reached.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace feedrank::load {
namespace {

struct Answer {
  testing::ExitStatus exit;
  std::string stderr_text;
};

Answer run_load(std::vector<std::string> args) {
  testing::TempDir scratch;
  args.insert(args.begin(), FEEDRANK_LOAD_BIN);
  testing::ChildProcess load(args, {}, scratch.path() / "stderr");
  EXPECT_TRUE(load.started()) << load.start_error();
  const auto exit = load.wait_for_exit(std::chrono::seconds(30));
  EXPECT_TRUE(exit.has_value()) << "still running";
  return {exit.value_or(testing::ExitStatus{}), testing::read_file(scratch.path() / "stderr")};
}

TEST(LoadFlags, OpenLoopSettingsInAClosedLoopWithoutWritesAreRefused) {
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{"--poisson"}, {"--max-outstanding", "4"}, {"--late-ms", "0"}}) {
    std::vector<std::string> args = {"--loop", "closed", "--callers", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    const Answer answer = run_load(args);
    EXPECT_TRUE(answer.exit.exited && answer.exit.code == 2) << extra[0];
    EXPECT_NE(answer.stderr_text.find(extra[0] + ": open loop only"), std::string::npos)
        << answer.stderr_text;
  }
}

TEST(LoadFlags, TheLaunchersFlagsBesideARunningServerAreRefused) {
  for (const char* flag : {"--seed", "--data-dir", "--server-args", "--server-binary"}) {
    const Answer answer = run_load({"--server", "127.0.0.1:1", flag, "3"});
    EXPECT_TRUE(answer.exit.exited && answer.exit.code != 0) << flag;
    EXPECT_NE(answer.stderr_text.find("--server excludes " + std::string(flag)),
              std::string::npos)
        << answer.stderr_text;
  }
}

}  // namespace
}  // namespace feedrank::load
