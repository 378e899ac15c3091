// What the impression log costs GetFeed: unary GetFeed over a real gRPC channel to an in-process
// FeedServer on loopback, once per impression-log setting (--impression-log off, on: written to
// the OS before the page returns and synced every second, sync: one fsync per page, shared by
// concurrent pages). Each setting has its own server, loaded through Ingest with the same
// synthetic social network (tools/datasets) and kept for the whole run; client and server share
// the process and the machine's cores.
//
// Latencies are per call (p50/p99/p999/max). The 4-caller runs show group commit under sync:
// concurrent pages waiting for the same fsync share it. Their recorder is shared by the callers
// and published once, so the percentiles are over every call of every caller.
#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "api/server.h"
#include "benchmarks/benchmark_corpus.h"
#include "benchmarks/latency_recorder.h"
#include "feedrank/v1/feedrank.grpc.pb.h"
#include "fmt/format.h"
#include "tools/datasets/synthetic_corpus.h"

namespace feedrank::bench {
namespace {

constexpr std::uint64_t kUsers = 10'000;
constexpr std::uint64_t kPosts = 100'000;
constexpr int kChunk = 10'000;  // records per IngestRequest message: the API's batch limit
constexpr int kLimit = 20;      // items per page
constexpr int kWarmupCalls = 20;
// "Now" for every request: just after the corpus's newest post, so that the algorithmic feed
// ranks fresh posts (the synthetic data is from January 2024, far behind the wall clock).
constexpr std::int64_t kAsOfAfterNewestMs = 1'000;

enum class LogSetting { kOff, kOn, kSync };
constexpr LogSetting kSettings[] = {LogSetting::kOff, LogSetting::kOn, LogSetting::kSync};

const char* name(LogSetting setting) {
  switch (setting) {
    case LogSetting::kOff:
      return "off";
    case LogSetting::kOn:
      return "on";
    case LogSetting::kSync:
      return "sync";
  }
  return "?";
}

const char* name(v1::FeedMode mode) {
  return mode == v1::FEED_MODE_ALGORITHMIC ? "algorithmic" : "chronological";
}

// The synthetic network as Ingest messages, built once and sent to every server.
struct Corpus {
  std::vector<v1::IngestRequest> chunks;
  datasets::SyntheticCorpusCounts counts;
  std::int64_t newest_post_ms = 0;
  // Every user once, in a random order: consecutive calls read different viewers, so a call
  // does not find the previous calls' viewer data in the cache.
  std::vector<std::uint64_t> viewers;
};

const Corpus& corpus() {
  static const Corpus* shared = [] {
    auto* built = new Corpus();  // kept to the end of the run
    built->chunks.emplace_back();
    const datasets::SyntheticCorpusOptions options{.users = kUsers, .posts = kPosts, .seed = 1};
    auto counts =
        datasets::generate_synthetic_corpus(options, [&](const v1::IngestRecord& record, int) {
          if (record.has_post()) {
            built->newest_post_ms = std::max(built->newest_post_ms, record.post().created_at_ms());
          }
          if (built->chunks.back().records_size() == kChunk) built->chunks.emplace_back();
          *built->chunks.back().add_records() = record;
        });
    if (!counts.ok()) throw std::runtime_error(std::string(counts.status().message()));
    built->counts = *counts;
    built->viewers.resize(kUsers);
    std::iota(built->viewers.begin(), built->viewers.end(), std::uint64_t{1});
    std::shuffle(built->viewers.begin(), built->viewers.end(), std::mt19937_64(7));
    return built;
  }();
  return *shared;
}

// A FeedServer with one impression-log setting on a free loopback port and a fresh data
// directory, loaded with the corpus, and a client connected to it.
class LoadedServer {
 public:
  explicit LoadedServer(LogSetting setting) {
    api::ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.data_dir = (dir_.path() / "data").string();
    options.impression_log = setting != LogSetting::kOff;
    options.impression_log_sync = setting == LogSetting::kSync;
    auto server = api::FeedServer::start(options);
    if (!server.ok()) throw std::runtime_error(std::string(server.status().message()));
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = v1::FeedRank::NewStub(channel_);
    load(setting);
  }

  v1::FeedRank::Stub& stub() { return *stub_; }

  // Feed items logged so far; the check that the setting is what the server runs with.
  std::uint64_t impressions() {
    grpc::ClientContext context;
    v1::GetStatsResponse stats;
    const auto status = stub_->GetStats(&context, v1::GetStatsRequest{}, &stats);
    if (!status.ok()) throw std::runtime_error("GetStats: " + status.error_message());
    return stats.impressions();
  }

 private:
  void load(LogSetting setting) {
    const auto started = std::chrono::steady_clock::now();
    grpc::ClientContext context;
    v1::IngestResponse response;
    auto writer = stub_->Ingest(&context, &response);
    for (const auto& chunk : corpus().chunks) {
      if (!writer->Write(chunk)) break;  // the server ended the call early; Finish says why
    }
    writer->WritesDone();
    if (auto status = writer->Finish(); !status.ok()) {
      throw std::runtime_error("Ingest: " + status.error_message());
    }
    if (response.posts() != corpus().counts.posts) {
      throw std::runtime_error("Ingest did not create every post");
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    std::fprintf(stderr,
                 "impression log %s: %llu users, %llu follows, %llu posts, %llu engagements "
                 "ingested in %.1f s\n",
                 name(setting), static_cast<unsigned long long>(response.users()),
                 static_cast<unsigned long long>(response.follows()),
                 static_cast<unsigned long long>(response.posts()),
                 static_cast<unsigned long long>(response.engagements()), took.count());
  }

  // Destroyed bottom-up: the client, then the server, then its data directory.
  ScopedTempDir dir_;
  std::unique_ptr<api::FeedServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::FeedRank::Stub> stub_;
};

// One server per setting, started on first use and kept to the end of the run.
std::mutex servers_mutex;
std::unique_ptr<LoadedServer> servers[std::size(kSettings)];

LoadedServer& server(LogSetting setting) {
  std::lock_guard lock(servers_mutex);
  auto& slot = servers[static_cast<std::size_t>(setting)];
  if (slot == nullptr) slot = std::make_unique<LoadedServer>(setting);
  return *slot;
}

// Stops the servers and removes their data directories; called from main, before static
// destructors run (RocksDB's own statics may already be gone by then).
void release_servers() {
  std::lock_guard lock(servers_mutex);
  for (auto& slot : servers) slot.reset();
}

// The latencies and page sizes of every caller of one benchmark: percentiles of several callers
// need their calls in one list, not a sum or mean of each caller's percentiles (which Google
// Benchmark would make of per-thread counters).
class SharedCalls {
 public:
  void reset(std::size_t expected_calls) {
    std::lock_guard lock(mutex_);
    latencies_ = LatencyRecorder(expected_calls);
    items_ = 0;
  }

  void add(double micros, int items) {
    std::lock_guard lock(mutex_);
    latencies_.record(micros);
    items_ += static_cast<std::uint64_t>(items);
  }

  // LatencyRecorder's percentiles and items (the mean page size). Plain counters set by one
  // thread, so Google Benchmark reports them unchanged.
  void publish(benchmark::State& state) {
    std::lock_guard lock(mutex_);
    if (latencies_.calls() == 0) return;
    latencies_.publish(state);
    state.counters["items"] = static_cast<double>(items_) / static_cast<double>(latencies_.calls());
  }

  std::size_t calls() {
    std::lock_guard lock(mutex_);
    return latencies_.calls();
  }

 private:
  std::mutex mutex_;
  LatencyRecorder latencies_{0};
  std::uint64_t items_ = 0;
};

grpc::Status get_feed(v1::FeedRank::Stub& stub, v1::FeedMode mode, std::uint64_t viewer,
                      int& items) {
  v1::GetFeedRequest request;
  request.set_user_id(viewer);
  request.set_mode(mode);
  request.set_limit(kLimit);
  request.set_as_of_ms(corpus().newest_post_ms + kAsOfAfterNewestMs);
  grpc::ClientContext context;
  v1::GetFeedResponse response;
  auto status = stub.GetFeed(&context, request, &response);
  items = response.items_size();
  return status;
}

// First pages, one unary GetFeed per iteration; with n threads, n callers at once, each calling
// back to back. Viewers rotate over every user; caller t takes calls t, t + n, t + 2n, ...
void BM_GetFeed(benchmark::State& state, LogSetting setting, v1::FeedMode mode) {
  static SharedCalls calls;  // benchmarks run one after the other
  LoadedServer& target = server(setting);
  const auto& viewers = corpus().viewers;
  const auto callers = static_cast<std::size_t>(state.threads());
  std::uint64_t logged_before = 0;
  if (state.thread_index() == 0) {
    // Other callers only record inside the loop, which starts once every thread reaches it.
    calls.reset(static_cast<std::size_t>(state.max_iterations) * callers);
    // Untimed, on viewers from the end of the rotation: the first calls on a fresh channel and
    // server are not what the setting costs.
    for (int i = 0; i < kWarmupCalls; ++i) {
      int items = 0;
      const auto status = get_feed(target.stub(), mode, viewers[viewers.size() - 1 - i], items);
      if (!status.ok()) {
        state.SkipWithError(("warm-up GetFeed: " + status.error_message()).c_str());
        break;
      }
    }
    logged_before = target.impressions();
  }
  auto call = static_cast<std::size_t>(state.thread_index());
  for (auto _ : state) {
    const std::uint64_t viewer = viewers[call % viewers.size()];
    call += callers;
    int items = 0;
    const auto start = std::chrono::steady_clock::now();
    const auto status = get_feed(target.stub(), mode, viewer, items);
    const std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
    if (!status.ok()) {
      state.SkipWithError(
          fmt::format("GetFeed for user {}: {}", viewer, status.error_message()).c_str());
      break;
    }
    calls.add(took.count(), items);
  }
  // The loop's end waits for every caller, so thread 0 publishes all of their calls.
  if (state.thread_index() == 0) {
    const std::size_t made = calls.calls();
    calls.publish(state);
    // Items logged per call: the page size when logging, 0 when off.
    state.counters["logged"] = static_cast<double>(target.impressions() - logged_before) /
                               static_cast<double>(std::max<std::size_t>(made, 1));
    state.SetLabel(fmt::format("{} calls", made));
  }
}

// Iterations are per caller. Chronological pages take about a hundred microseconds and
// algorithmic ones milliseconds: 3,000 and 1,000 calls give a p99 of the 30 and 10 slowest.
void register_benchmarks() {
  struct Shape {
    v1::FeedMode mode;
    int callers;
    benchmark::IterationCount iterations;
  };
  constexpr Shape kShapes[] = {
      {v1::FEED_MODE_CHRONOLOGICAL, 1, 3'000},
      {v1::FEED_MODE_ALGORITHMIC, 1, 1'000},
      {v1::FEED_MODE_CHRONOLOGICAL, 4, 3'000},
  };
  for (const Shape& shape : kShapes) {
    for (LogSetting setting : kSettings) {
      // Google Benchmark appends iterations:N/real_time/threads:<callers>.
      const std::string benchmark_name =
          fmt::format("BM_GetFeed/log:{}/mode:{}", name(setting), name(shape.mode));
      benchmark::RegisterBenchmark(benchmark_name.c_str(), BM_GetFeed, setting, shape.mode)
          ->Iterations(shape.iterations)
          ->Threads(shape.callers)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

}  // namespace
}  // namespace feedrank::bench

int main(int argc, char** argv) {
  feedrank::bench::register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  feedrank::bench::release_servers();
  return 0;
}
