// feedrank-server (the real binary, FEEDRANK_SERVER_BIN) as a child process.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/child_process.h"

namespace feedrank::api_test {

using testing::ChildProcess;
using testing::ExitStatus;
using testing::read_file;

class ServerProcess {
 public:
  // Starts `LAUNCHER... feedrank-server --listen LISTEN --data-dir DATA_DIR EXTRA_ARGS...`; its
  // stderr goes to a file in `scratch_dir`. A launcher (e.g. prlimit, setpriv) execs the server
  // with changed limits or privileges, so the server keeps its pid.
  ServerProcess(const std::string& listen, const std::filesystem::path& data_dir,
                const std::filesystem::path& scratch_dir,
                const std::vector<std::string>& extra_args = {},
                const std::vector<std::string>& launcher = {});

  // Reads stdout up to the line "listening on HOST:PORT" and returns HOST:PORT; "" if the
  // server exits first or does not say it within the startup timeout.
  std::string wait_until_listening();
  // The stdout lines wait_until_listening() read (the start-up log), one per line.
  const std::string& startup_output() const { return startup_output_; }
  // SIGKILL: the server runs no more code, as in a crash.
  void kill_hard();
  // Sends `signal` (SIGINT, SIGTERM: a clean stop) and waits for the server to exit;
  // nullopt if it is still running at the timeout.
  std::optional<ExitStatus> stop(int signal);
  // Waits for the server to exit by itself; nullopt if it is still running at the timeout.
  std::optional<ExitStatus> wait_for_exit();
  // The server's stderr, or why it could not be started.
  std::string stderr_text() const {
    return process_->started() ? read_file(stderr_path_) : process_->start_error() + "\n";
  }
  const ChildProcess& process() const { return *process_; }
  // For reading the log lines that follow the start-up output.
  ChildProcess& process() { return *process_; }

 private:
  std::filesystem::path stderr_path_;
  std::unique_ptr<ChildProcess> process_;
  std::string startup_output_;
};

}  // namespace feedrank::api_test
