// feedrank-server's signal thread: SIGHUP reloads, and a reload that fails or throws leaves the
// loop serving the next signal; SIGTERM, SIGINT or a closed pipe end it.
#include "tools/server/signal_loop.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <new>
#include <stdexcept>
#include <vector>

#include "absl/status/status.h"

namespace feedrank::server {
namespace {

// A pipe holding `signals`, its write end closed after them when `close_after`.
class SignalPipe {
 public:
  SignalPipe(const std::vector<char>& signals, bool close_after) {
    EXPECT_EQ(pipe(fds_), 0);
    for (char signal : signals) EXPECT_EQ(write(fds_[1], &signal, 1), 1);
    if (close_after) close_write_end();
  }
  ~SignalPipe() {
    close(fds_[0]);
    close_write_end();
  }
  int read_fd() const { return fds_[0]; }
  // What the loop left unread.
  std::size_t unread() {
    close_write_end();
    std::size_t count = 0;
    char byte;
    while (read(fds_[0], &byte, 1) == 1) ++count;
    return count;
  }

 private:
  void close_write_end() {
    if (fds_[1] >= 0) close(fds_[1]);
    fds_[1] = -1;
  }
  int fds_[2] = {-1, -1};
};

TEST(SignalLoop, AReloadThatThrowsOrFailsLeavesTheLoopServingUntilSigterm) {
  SignalPipe signals({SIGHUP, SIGHUP, SIGHUP, SIGHUP, SIGTERM, SIGHUP}, /*close_after=*/false);
  int reloads = 0;
  run_signal_loop(signals.read_fd(), [&]() -> absl::StatusOr<std::string> {
    switch (++reloads) {
      case 1:
        throw std::bad_alloc();
      case 2:
        throw std::runtime_error("a planted failure");
      case 3:
        return absl::InvalidArgumentError("experiments: not JSON");
    }
    return std::string("experiments reloaded");
  });
  EXPECT_EQ(reloads, 4);
  EXPECT_EQ(signals.unread(), 1u);  // the SIGHUP after SIGTERM
}

TEST(SignalLoop, SigintOrAClosedPipeEndsIt) {
  int reloads = 0;
  const auto reload = [&]() -> absl::StatusOr<std::string> { return std::to_string(++reloads); };
  SignalPipe interrupted({SIGHUP, SIGINT, SIGHUP}, /*close_after=*/false);
  run_signal_loop(interrupted.read_fd(), reload);
  EXPECT_EQ(reloads, 1);
  EXPECT_EQ(interrupted.unread(), 1u);

  SignalPipe closed({SIGHUP}, /*close_after=*/true);
  run_signal_loop(closed.read_fd(), reload);
  EXPECT_EQ(reloads, 2);
}

}  // namespace
}  // namespace feedrank::server
