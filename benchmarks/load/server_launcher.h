// feedrank-server started for a load run: on 127.0.0.1:0 over a data directory that holds the
// synthetic corpus (tools/datasets), loaded through Ingest on first use. A work directory given
// with --data-dir keeps the store (WORK/server) and what it holds (WORK/load-corpus.json), so
// later runs reuse a loaded million-post corpus instead of loading it again; without one, a
// temporary directory is used and removed.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/datasets/synthetic_corpus.h"

namespace feedrank::load {

struct LaunchOptions {
  std::string server_binary;
  std::filesystem::path work_dir;  // empty: a temporary one
  datasets::SyntheticCorpusOptions corpus;
  std::vector<std::string> server_args;  // appended to --listen and --data-dir
  // A reopened million-post store rebuilds its views before it listens: minutes on 2 cores.
  std::chrono::seconds startup_timeout{1200};
};

struct CorpusInfo {
  datasets::SyntheticCorpusCounts counts;
  std::int64_t last_record_ms = 0;  // the latest post or engagement time
  // Where an earlier run's load clock stopped (0: none has run). A run starts its clock past it,
  // as a server's own clock moves on: a run stamped at the same times as the one before logs its
  // pages into the same key range, which the impression log then compacts over and over.
  std::int64_t clock_stopped_ms = 0;
  bool loaded_now = false;          // false: reused from the work directory
  double load_seconds = 0;
};

// Where a run on a reused work directory starts its load clock: the corpus's last record, or
// just past where an earlier run's clock stopped when that is later.
std::int64_t next_run_clock_ms(const CorpusInfo& corpus);

class LaunchedServer {
 public:
  static absl::StatusOr<std::unique_ptr<LaunchedServer>> start(const LaunchOptions& options);
  ~LaunchedServer();  // stops the server (SIGTERM, then SIGKILL) if still running

  const std::string& address() const;
  const CorpusInfo& corpus() const;
  const std::filesystem::path& stderr_path() const;
  int pid() const;
  // SIGTERM, waits for the exit: "exit 0", "signal 9", ... (a run checks the server survived).
  std::string stop();
  // Keeps `ms` in the work directory's marker as where this run's clock stopped (the later of it
  // and what the marker held), for the next run to start past it.
  absl::Status record_clock_stopped(std::int64_t ms);

 private:
  struct Parts;
  explicit LaunchedServer(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace feedrank::load
