// A child process for tests: started with posix_spawn, stdout read through a pipe with
// timeouts (so a silent or hung child fails a test instead of hanging it), stderr to a file.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace feedrank::testing {

struct ExitStatus {
  bool exited = false;  // false: ended by a signal
  int code = 0;         // the exit code, or the signal number
};

class ChildProcess {
 public:
  // Runs argv[0] (an absolute path) with `argv`; `extra_env` ("NAME=value") adds to or overrides
  // this process's environment. Check started() before using it.
  ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
               const std::filesystem::path& stderr_path);
  ~ChildProcess();  // kills and reaps a child still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  const std::string& start_error() const { return start_error_; }
  pid_t pid() const { return pid_; }

  // The next line of stdout without its newline; nullopt at end of output or after `timeout`.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // The rest of stdout, up to its end (normally the child's exit); nullopt after `timeout`.
  std::optional<std::string> read_rest(std::chrono::milliseconds timeout);

  // Closes this end of the stdout pipe, as a reader that goes away does: the child's next
  // write to stdout gets SIGPIPE or EPIPE.
  void close_stdout();
  // Sends `signal` (SIGKILL: the child runs no more code) and reaps the child.
  ExitStatus kill_and_wait(int signal);
  // Waits for the child to exit by itself: nullopt (and the child killed) after `timeout`.
  std::optional<ExitStatus> wait_for_exit(std::chrono::milliseconds timeout);

 private:
  // wait_for_exit once stdout is closed: waitpid polled until `timeout`.
  std::optional<ExitStatus> poll_for_exit(std::chrono::milliseconds timeout);
  // Reads more of stdout into buffer_; false at end of output or on timeout.
  bool fill(std::chrono::steady_clock::time_point deadline, bool* timed_out);
  ExitStatus reap();

  pid_t pid_ = -1;
  bool reaped_ = false;
  int stdout_fd_ = -1;
  std::string buffer_;
  std::string start_error_;
};

std::string read_file(const std::filesystem::path& path);

}  // namespace feedrank::testing
