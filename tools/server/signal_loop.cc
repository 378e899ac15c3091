#include "tools/server/signal_loop.h"

#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "common/error_status.h"
#include "spdlog/spdlog.h"

namespace feedrank::server {

void run_signal_loop(int read_fd, absl::FunctionRef<absl::StatusOr<std::string>()> reload) {
  for (;;) {
    char signal = 0;
    const ssize_t got = read(read_fd, &signal, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      spdlog::info("signal pipe closed: shutting down");
      return;
    }
    if (signal != SIGHUP) {
      spdlog::info("signal {}: shutting down", static_cast<int>(signal));
      return;
    }
    auto reloaded = or_error_status("reloading the experiments config", [&] { return reload(); });
    if (reloaded.ok()) {
      spdlog::info("SIGHUP: {}", *reloaded);
    } else {
      spdlog::warn("SIGHUP: the experiments config was not reloaded: {}",
                   std::string(reloaded.status().message()));
    }
  }
}

}  // namespace feedrank::server
