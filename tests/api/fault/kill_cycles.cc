#include "tests/api/fault/kill_cycles.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "tests/api/fault/ingest_ledger.h"
#include "tests/api/server_process.h"
#include "tests/api/test_client.h"
#include "tests/api/test_records.h"

namespace feedrank::api_test {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Streams Ingest calls of `chunks_per_stream` chunks back to back until one fails (the server is
// gone), telling the ledger what it sends and what is acknowledged.
class StreamingWriter {
 public:
  StreamingWriter(TestClient& client, IngestLedger& ledger, int chunks_per_stream)
      : stub_(v1::FeedRank::NewStub(client.channel())),
        ledger_(ledger),
        chunks_per_stream_(chunks_per_stream) {
    thread_ = std::thread([this] { run(); });
  }
  ~StreamingWriter() { join(); }

  // Blocks until a stream was acknowledged; false if the writer stopped first.
  bool wait_for_first_acknowledgement() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return stopped_ || acknowledged_streams_ > 0; });
    return acknowledged_streams_ > 0;
  }
  // The writer's last error (the kill's UNAVAILABLE, normally).
  std::string join() {
    if (thread_.joinable()) thread_.join();
    return last_error_;
  }

 private:
  void run() {
    while (stream_once()) {
      std::lock_guard lock(mutex_);
      ++acknowledged_streams_;
      changed_.notify_all();
    }
    std::lock_guard lock(mutex_);
    stopped_ = true;
    changed_.notify_all();
  }

  bool stream_once() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    v1::IngestResponse summary;
    auto stream = stub_->Ingest(&context, &summary);
    const std::uint64_t first = ledger_.begin_stream();
    for (int i = 0; i < chunks_per_stream_; ++i) {
      const std::uint64_t index = first + static_cast<std::uint64_t>(i);
      ledger_.mark_sent(index);
      if (!stream->Write(ledger_.chunk(index))) break;
    }
    stream->WritesDone();
    const grpc::Status status = stream->Finish();
    if (!status.ok()) {
      last_error_ = status.error_message();
      return false;
    }
    ledger_.acknowledge_stream();
    return true;
  }

  std::unique_ptr<v1::FeedRank::Stub> stub_;
  IngestLedger& ledger_;
  const int chunks_per_stream_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t acknowledged_streams_ = 0;
  bool stopped_ = false;
  std::string last_error_;
  std::thread thread_;
};

struct RunningServer {
  std::unique_ptr<ServerProcess> process;
  std::unique_ptr<TestClient> client;
  double start_ms = 0;
};

// The server on the data directory, its client and how long it took to listen; null process on
// failure, with `error` set.
RunningServer start_server(const KillCycleOptions& options, std::string& error) {
  RunningServer out;
  const auto start = Clock::now();
  out.process = std::make_unique<ServerProcess>("127.0.0.1:0", options.scratch_dir / "data",
                                                options.scratch_dir, options.server_args);
  const std::string address = out.process->wait_until_listening();
  out.start_ms = ms_since(start);
  if (address.empty()) {
    error = "feedrank-server did not start: " + out.process->stderr_text();
    out.process.reset();
    return out;
  }
  out.client = std::make_unique<TestClient>(address);
  return out;
}

// Polls GetStats until the index lag is zero; the time it took, or -1 after `timeout`.
double wait_for_index(TestClient& client, std::chrono::milliseconds timeout, CycleReport& report) {
  const auto start = Clock::now();
  while (Clock::now() - start < timeout) {
    const v1::GetStatsResponse stats = client.stats();
    if (stats.index_lag() == 0) {
      const double caught_up_ms = ms_since(start);
      // The indexer counts a step's rows just after the step made them searchable (what the
      // lag reads): the count is read once it no longer moves.
      std::uint64_t indexed = stats.background_indexed_rows();
      for (int settle = 0; settle < 50; ++settle) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        const std::uint64_t again = client.stats().background_indexed_rows();
        if (again == indexed) break;
        indexed = again;
      }
      report.indexed_after_restart = indexed;
      return caught_up_ms;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

}  // namespace

KillCycleReport run_kill_cycles(const KillCycleOptions& options,
                                const std::function<void(const CycleReport&)>& on_cycle) {
  KillCycleReport report;
  IngestLedger ledger(options.posts_per_chunk);
  std::mt19937_64 random(options.seed);
  std::uniform_int_distribution<std::int64_t> kill_delay(0, options.max_kill_delay.count());

  RunningServer server = start_server(options, report.error);
  if (!server.process) return report;
  if (auto reply = server.client->upsert_users({user(kLedgerAnchorUser)}); !reply.status.ok()) {
    report.error = "UpsertUsers of the anchor: " + reply.status.error_message();
    return report;
  }
  for (int cycle = 1; cycle <= options.cycles; ++cycle) {
    CycleReport cycle_report;
    cycle_report.cycle = cycle;
    {
      StreamingWriter writer(*server.client, ledger, options.chunks_per_stream);
      if (!writer.wait_for_first_acknowledgement()) {
        report.error = "cycle " + std::to_string(cycle) + ": no Ingest stream was acknowledged: " +
                       writer.join();
        return report;
      }
      cycle_report.kill_delay_ms = kill_delay(random);
      std::this_thread::sleep_for(std::chrono::milliseconds(cycle_report.kill_delay_ms));
      if (options.index_catch_up_timeout.count() > 0) {
        cycle_report.index_lag_at_kill = server.client->stats().index_lag();
      }
      const std::optional<ExitStatus> ended = server.process->stop(options.stop_signal);
      cycle_report.exit = !ended          ? "still running at the timeout"
                          : ended->exited ? "exit code " + std::to_string(ended->code)
                                          : "signal " + std::to_string(ended->code);
      writer.join();
    }
    cycle_report.killed_mid_stream = ledger.pending_chunks() > 0;

    server = start_server(options, report.error);
    if (!server.process) return report;
    cycle_report.restart_ms = server.start_ms;
    if (options.index_catch_up_timeout.count() > 0) {
      const v1::GetStatsResponse stats = server.client->stats();
      cycle_report.index_lag_at_restart = stats.index_lag();
      cycle_report.posts_after_restart = stats.posts();
    }
    const auto check_start = Clock::now();
    LedgerCheck check = ledger.check(*server.client);
    cycle_report.check_ms = ms_since(check_start);
    cycle_report.acknowledged_total = ledger.acknowledged_chunks();
    cycle_report.unacknowledged_present = check.unacknowledged_present;
    cycle_report.unacknowledged_absent = check.unacknowledged_absent;
    cycle_report.problems = std::move(check.problems);
    if (options.index_catch_up_timeout.count() > 0) {
      cycle_report.index_catch_up_ms =
          wait_for_index(*server.client, options.index_catch_up_timeout, cycle_report);
    }
    if (on_cycle) on_cycle(cycle_report);
    report.cycles.push_back(std::move(cycle_report));
  }
  return report;
}

}  // namespace feedrank::api_test
