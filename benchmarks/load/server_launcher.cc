#include "benchmarks/load/server_launcher.h"

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <optional>

#include "fmt/format.h"
#include "fmt/ranges.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"
#include "tools/cli/grpc_client.h"
#include "tools/cli/ingest_uploader.h"

namespace feedrank::load {
namespace {

constexpr std::string_view kListeningPrefix = "listening on ";
constexpr char kMarkerFile[] = "load-corpus.json";
constexpr std::size_t kChunkRecords = 5000;
constexpr std::uint64_t kProgressEvery = 500'000;

nlohmann::json corpus_shape(const datasets::SyntheticCorpusOptions& corpus) {
  return {{"users", corpus.users},
          {"posts", corpus.posts},
          {"seed", corpus.seed},
          {"engagements_per_user", corpus.engagements_per_user}};
}

// What the work directory's marker says it holds; nullopt when there is none.
absl::StatusOr<std::optional<CorpusInfo>> read_marker(
    const std::filesystem::path& work_dir, const datasets::SyntheticCorpusOptions& want) {
  const auto path = work_dir / kMarkerFile;
  if (!std::filesystem::exists(path)) {
    if (std::filesystem::exists(work_dir / "server") &&
        !std::filesystem::is_empty(work_dir / "server")) {
      return absl::FailedPreconditionError(fmt::format(
          "--data-dir: {} holds a store but no {} (a load that did not finish?); remove it",
          (work_dir / "server").string(), kMarkerFile));
    }
    return std::nullopt;
  }
  const auto marker = nlohmann::json::parse(std::ifstream(path), nullptr, false);
  if (marker.is_discarded() || !marker.contains("shape")) {
    return absl::FailedPreconditionError(
        fmt::format("--data-dir: {} is not a load corpus marker", path.string()));
  }
  if (marker["shape"] != corpus_shape(want)) {
    return absl::FailedPreconditionError(
        fmt::format("--data-dir: {} holds the corpus {}, not {}: ask for that one or use "
                    "another directory",
                    work_dir.string(), marker["shape"].dump(), corpus_shape(want).dump()));
  }
  CorpusInfo info;
  info.counts.users = marker["counts"]["users"];
  info.counts.follows = marker["counts"]["follows"];
  info.counts.posts = marker["counts"]["posts"];
  info.counts.engagements = marker["counts"]["engagements"];
  info.last_record_ms = marker["last_record_ms"];
  info.clock_stopped_ms = marker.value("clock_stopped_ms", std::int64_t{0});
  info.load_seconds = marker["load_seconds"];
  return info;
}

// Written aside and renamed into place: a run killed while writing it, or a full disk, leaves the
// previous marker, not half of one (without it the store would have to be loaded again).
absl::Status write_marker(const std::filesystem::path& work_dir,
                          const datasets::SyntheticCorpusOptions& corpus, const CorpusInfo& info) {
  const nlohmann::json marker = {{"shape", corpus_shape(corpus)},
                                 {"counts",
                                  {{"users", info.counts.users},
                                   {"follows", info.counts.follows},
                                   {"posts", info.counts.posts},
                                   {"engagements", info.counts.engagements}}},
                                 {"last_record_ms", info.last_record_ms},
                                 {"clock_stopped_ms", info.clock_stopped_ms},
                                 {"load_seconds", info.load_seconds}};
  const auto path = work_dir / kMarkerFile;
  const auto aside = work_dir / (std::string(kMarkerFile) + ".new");
  {
    std::ofstream out(aside, std::ios::trunc);
    out << marker.dump(2) << "\n";
    if (!out.flush()) {
      return absl::UnavailableError(fmt::format("cannot write {}", aside.string()));
    }
  }
  std::error_code error;
  std::filesystem::rename(aside, path, error);
  if (error) {
    return absl::UnavailableError(
        fmt::format("cannot rename {} to {}: {}", aside.string(), path.string(), error.message()));
  }
  return absl::OkStatus();
}

// Generates the corpus straight into an Ingest stream (no file in between).
absl::StatusOr<CorpusInfo> load_corpus(const std::string& address,
                                       const datasets::SyntheticCorpusOptions& corpus) {
  const auto started = std::chrono::steady_clock::now();
  CorpusInfo info;
  info.loaded_now = true;
  std::uint64_t next_progress = kProgressEvery;
  cli::IngestUploader uploader(
      cli::open_channel(address), address,
      {.chunk_records = kChunkRecords,
       .connect_timeout = cli::kConnectTimeout,
       .on_chunk_sent = [&](std::uint64_t sent) {
         if (sent < next_progress) return;
         next_progress += kProgressEvery;
         const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
         std::cerr << fmt::format("load: {} records in {:.0f} s\n", sent, took.count());
       }});
  bool stream_ok = true;
  auto generated = datasets::generate_synthetic_corpus(
      corpus, [&](const v1::IngestRecord& record, int /*topic*/) {
        if (record.has_post()) {
          info.last_record_ms = std::max(info.last_record_ms, record.post().created_at_ms());
        } else if (record.has_engagement()) {
          info.last_record_ms = std::max(info.last_record_ms, record.engagement().at_ms());
        }
        if (stream_ok) stream_ok = uploader.add(record);
      });
  const cli::IngestSummary summary = uploader.finish();
  if (!generated.ok()) return generated.status();
  if (!summary.status.ok()) {
    return absl::UnavailableError(fmt::format("loading the corpus: {}: {}",
                                              cli::status_code_name(summary.status.error_code()),
                                              summary.status.error_message()));
  }
  info.counts = *generated;
  info.load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return info;
}

}  // namespace

struct LaunchedServer::Parts {
  std::unique_ptr<testing::TempDir> temp;  // when no work directory was given
  std::filesystem::path work_dir;
  datasets::SyntheticCorpusOptions corpus_shape;
  std::filesystem::path stderr_path;
  std::unique_ptr<testing::ChildProcess> process;
  std::string address;
  CorpusInfo corpus;
  bool stopped = false;
};

LaunchedServer::LaunchedServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

LaunchedServer::~LaunchedServer() {
  if (!parts_->stopped) stop();
}

const std::string& LaunchedServer::address() const { return parts_->address; }
const CorpusInfo& LaunchedServer::corpus() const { return parts_->corpus; }
const std::filesystem::path& LaunchedServer::stderr_path() const { return parts_->stderr_path; }
int LaunchedServer::pid() const { return parts_->process->pid(); }

std::int64_t next_run_clock_ms(const CorpusInfo& corpus) {
  return std::max(corpus.last_record_ms, corpus.clock_stopped_ms + 1);
}

absl::Status LaunchedServer::record_clock_stopped(std::int64_t ms) {
  CorpusInfo& info = parts_->corpus;
  info.clock_stopped_ms = std::max(info.clock_stopped_ms, ms);
  return write_marker(parts_->work_dir, parts_->corpus_shape, info);
}

std::string LaunchedServer::stop() {
  parts_->stopped = true;
  ::kill(parts_->process->pid(), SIGTERM);
  const auto status = parts_->process->wait_for_exit(std::chrono::seconds(60));
  if (!status) return "did not stop within 60 s after SIGTERM (killed)";
  return status->exited ? fmt::format("exit {}", status->code)
                        : fmt::format("signal {}", status->code);
}

absl::StatusOr<std::unique_ptr<LaunchedServer>> LaunchedServer::start(
    const LaunchOptions& options) {
  auto parts = std::make_unique<Parts>();
  std::filesystem::path work_dir = options.work_dir;
  if (work_dir.empty()) {
    parts->temp = std::make_unique<testing::TempDir>();
    work_dir = parts->temp->path();
  }
  parts->work_dir = work_dir;
  parts->corpus_shape = options.corpus;
  std::error_code error;
  std::filesystem::create_directories(work_dir / "server", error);
  if (error) {
    return absl::FailedPreconditionError(fmt::format(
        "--data-dir: cannot create {}: {}", (work_dir / "server").string(), error.message()));
  }
  auto reused = read_marker(work_dir, options.corpus);
  if (!reused.ok()) return reused.status();

  std::vector<std::string> argv = {options.server_binary, "--listen", "127.0.0.1:0", "--data-dir",
                                   (work_dir / "server").string()};
  argv.insert(argv.end(), options.server_args.begin(), options.server_args.end());
  parts->stderr_path = work_dir / "server.stderr";
  parts->process =
      std::make_unique<testing::ChildProcess>(argv, std::vector<std::string>{}, parts->stderr_path);
  if (!parts->process->started()) {
    return absl::FailedPreconditionError(fmt::format("--server-binary: cannot start {}: {}",
                                                     options.server_binary,
                                                     parts->process->start_error()));
  }
  std::cerr << "starting " << fmt::format("{}", fmt::join(argv, " ")) << "\n";
  const auto deadline = std::chrono::steady_clock::now() + options.startup_timeout;
  while (parts->address.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const auto line = parts->process->read_line(std::max(left, std::chrono::milliseconds(1)));
    if (!line) {
      parts->stopped = true;
      return absl::UnavailableError(
          fmt::format("feedrank-server did not say it was listening within {} s; its log: {}",
                      options.startup_timeout.count(), parts->stderr_path.string()));
    }
    if (line->starts_with(kListeningPrefix)) parts->address = line->substr(kListeningPrefix.size());
  }
  std::unique_ptr<LaunchedServer> server(new LaunchedServer(std::move(parts)));
  if (reused->has_value()) {
    server->parts_->corpus = **reused;
    return server;
  }
  std::cerr << fmt::format("loading the synthetic corpus ({} users, {} posts, seed {})\n",
                           options.corpus.users, options.corpus.posts, options.corpus.seed);
  auto loaded = load_corpus(server->address(), options.corpus);
  if (!loaded.ok()) return loaded.status();
  server->parts_->corpus = *loaded;
  if (auto written = write_marker(work_dir, options.corpus, *loaded); !written.ok()) {
    return absl::UnavailableError(
        fmt::format("--data-dir: the corpus is loaded but {}", std::string(written.message())));
  }
  return server;
}

}  // namespace feedrank::load
