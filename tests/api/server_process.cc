#include "tests/api/server_process.h"

#include <signal.h>

#include <atomic>
#include <chrono>

namespace feedrank::api_test {
namespace {

// Opening an empty store takes well under a second; this only bounds a broken server.
constexpr auto kStartupTimeout = std::chrono::seconds(30);
constexpr std::string_view kListeningPrefix = "listening on ";

std::filesystem::path unique_stderr_path(const std::filesystem::path& dir) {
  static std::atomic<int> next = 0;
  return dir / ("feedrank-server-" + std::to_string(next++) + ".stderr");
}

std::vector<std::string> command_line(const std::string& listen,
                                      const std::filesystem::path& data_dir,
                                      const std::vector<std::string>& extra_args,
                                      const std::vector<std::string>& launcher) {
  std::vector<std::string> args = launcher;
  args.insert(args.end(),
              {FEEDRANK_SERVER_BIN, "--listen", listen, "--data-dir", data_dir.string()});
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  return args;
}

}  // namespace

ServerProcess::ServerProcess(const std::string& listen, const std::filesystem::path& data_dir,
                             const std::filesystem::path& scratch_dir,
                             const std::vector<std::string>& extra_args,
                             const std::vector<std::string>& launcher)
    : stderr_path_(unique_stderr_path(scratch_dir)),
      process_(std::make_unique<ChildProcess>(command_line(listen, data_dir, extra_args, launcher),
                                              std::vector<std::string>{}, stderr_path_)) {}

std::string ServerProcess::wait_until_listening() {
  if (!process_->started()) return "";
  const auto deadline = std::chrono::steady_clock::now() + kStartupTimeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto line = process_->read_line(left);
    if (!line) return "";
    startup_output_ += *line + "\n";
    if (line->starts_with(kListeningPrefix)) return line->substr(kListeningPrefix.size());
  }
}

void ServerProcess::kill_hard() { process_->kill_and_wait(SIGKILL); }

std::optional<ExitStatus> ServerProcess::stop(int signal) {
  if (!process_->started()) return std::nullopt;  // kill(-1) would signal every process
  ::kill(process_->pid(), signal);
  return wait_for_exit();
}

std::optional<ExitStatus> ServerProcess::wait_for_exit() {
  return process_->wait_for_exit(
      std::chrono::duration_cast<std::chrono::milliseconds>(kStartupTimeout));
}

}  // namespace feedrank::api_test
