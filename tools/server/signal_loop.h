// The server's signal thread: reads signal numbers, one byte each, from the pipe that the signal
// handler writes (main.cc says why a pipe), until SIGINT or SIGTERM arrives or the pipe closes.
// SIGHUP reloads the experiments config; a reload that throws (out of memory) fails with a log
// line, as one that returns an error does: this thread has nothing above it to catch a throw.
#pragma once

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"

namespace feedrank::server {

// Returns once the server should shut down. `reload` gives the one-line summary or the error.
void run_signal_loop(int read_fd, absl::FunctionRef<absl::StatusOr<std::string>()> reload);

}  // namespace feedrank::server
