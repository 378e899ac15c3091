// Write throughput of 1,000,000 posts: through a real FeedServer on loopback (the
// client-streaming Ingest RPC, and unary CreatePosts for comparison), and in-process through
// FeedEngine::write, the same path without gRPC, to show what the transport costs. Client and
// server share the process and the machine's cores. Requests are built before the clock starts,
// so the figures are server + transport, not the generator. The target: Ingest >= 100,000 posts/s.
#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <random>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "api/server.h"
#include "benchmarks/benchmark_corpus.h"
#include "benchmarks/latency_recorder.h"
#include "common/huge_page_malloc.h"
#include "feedrank/v1/feedrank.grpc.pb.h"
#include "fmt/format.h"
#include "kernels/compute_backend.h"
#include "ranker/feed_engine.h"
#include "store/durable_store.h"
#include "store/feed_store.h"

namespace feedrank::bench {
namespace {

// Loaded before the clock starts, so that the timed part writes posts only.
constexpr std::size_t kViewers = 100;
constexpr std::size_t kFolloweesPerViewer = 100;
constexpr std::size_t kMaxChunk = 10'000;  // the API's batch limit

// The authors, and viewers following some of them.
std::vector<WriteOp> preload_ops(const CorpusShape& shape) {
  std::vector<WriteOp> ops;
  for (std::size_t i = 0; i < shape.authors; ++i) ops.emplace_back(synthetic_author(i));
  for (std::size_t slot = 0; slot < kViewers; ++slot) {
    ops.emplace_back(synthetic_viewer(kFolloweesPerViewer, slot));
    const UserId viewer = viewer_id(kFolloweesPerViewer, slot);
    for (Follow& follow : synthetic_follows(shape, viewer, kFolloweesPerViewer)) {
      ops.emplace_back(follow);
    }
  }
  return ops;
}

WriteOp post_op(const CorpusShape& shape, std::size_t index) {
  return synthetic_post(shape, index);
}

// Splits records [0, count) made by `make` into requests of at most `per_request` records.
template <class Request, class Make, class Append>
std::vector<Request> split(std::size_t count, std::size_t per_request, Make make, Append append) {
  std::vector<Request> requests;
  requests.reserve((count + per_request - 1) / per_request);
  for (std::size_t i = 0; i < count; ++i) {
    if (i % per_request == 0) requests.emplace_back();
    append(requests.back(), make(i));
  }
  return requests;
}

void to_proto(const Post& in, v1::Post& out) {
  out.set_id(in.id);
  out.set_author_id(in.author);
  out.set_text(in.text);
  out.set_created_at_ms(in.created_at);
  out.set_visibility(in.visibility == Visibility::kFollowers ? v1::VISIBILITY_FOLLOWERS
                                                             : v1::VISIBILITY_PUBLIC);
}

// The benchmarks only send users, posts and follows.
void append_record(v1::IngestRequest& request, const WriteOp& op) {
  v1::IngestRecord& record = *request.add_records();
  if (const auto* user = std::get_if<User>(&op)) {
    record.mutable_user()->set_id(user->id);
    record.mutable_user()->set_handle(user->handle);
    record.mutable_user()->set_created_at_ms(user->created_at);
  } else if (const auto* post = std::get_if<Post>(&op)) {
    to_proto(*post, *record.mutable_post());
  } else if (const auto* follow = std::get_if<Follow>(&op)) {
    record.mutable_follow()->set_follower_id(follow->follower);
    record.mutable_follow()->set_followee_id(follow->followee);
    record.mutable_follow()->set_created_at_ms(follow->created_at);
  } else {
    throw std::logic_error("append_record: unexpected write kind");
  }
}

void append_post(v1::CreatePostsRequest& request, const WriteOp& op) {
  to_proto(std::get<Post>(op), *request.add_posts());
}

void append_op(std::vector<WriteOp>& ops, WriteOp op) { ops.push_back(std::move(op)); }

absl::Status from_grpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

// One Ingest call: streams the chunks, then waits for the server's summary.
absl::StatusOr<v1::IngestResponse> ingest(v1::FeedRank::Stub& stub,
                                          std::span<const v1::IngestRequest> chunks) {
  grpc::ClientContext context;
  v1::IngestResponse response;
  auto writer = stub.Ingest(&context, &response);
  for (const auto& chunk : chunks) {
    if (!writer->Write(chunk)) break;  // the server ended the call early; Finish says why
  }
  writer->WritesDone();
  if (auto status = writer->Finish(); !status.ok()) return from_grpc(status);
  return response;
}

// A FeedServer on a free loopback port with a fresh data directory, holding the preload, and a
// client connected to it.
class LoadedServer {
 public:
  explicit LoadedServer(const CorpusShape& shape, const ranker::RetrievalOptions& retrieval = {})
      : retrieval_(retrieval) {
    start();
    const auto preload = preload_ops(shape);
    const auto chunks = split<v1::IngestRequest>(
        preload.size(), kMaxChunk, [&](std::size_t i) { return preload[i]; }, append_record);
    if (auto loaded = ingest(*stub_, chunks); !loaded.ok()) {
      throw std::runtime_error("preload: " + std::string(loaded.status().message()));
    }
  }

  v1::FeedRank::Stub& stub() { return *stub_; }

  // Stops the server cleanly, deletes the retrieval index it saved, and starts it again on the
  // same data: the start rebuilds the index from scratch.
  void restart_without_saved_index() {
    stub_.reset();
    channel_.reset();
    server_.reset();
    const auto index = dir_.path() / "data" / "retrieval-index.faiss";
    std::filesystem::remove(index);
    std::filesystem::remove(index.string() + ".meta");
    start();
  }

 private:
  void start() {
    api::ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.data_dir = (dir_.path() / "data").string();
    options.retrieval = retrieval_;
    auto server = api::FeedServer::start(options);
    if (!server.ok()) throw std::runtime_error(std::string(server.status().message()));
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = v1::FeedRank::NewStub(channel_);
  }

  const ranker::RetrievalOptions retrieval_;
  // Destroyed bottom-up: the client, then the server, then its data directory.
  ScopedTempDir dir_;
  std::unique_ptr<api::FeedServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::FeedRank::Stub> stub_;
};

template <class Request>
std::int64_t wire_bytes(const std::vector<Request>& requests) {
  std::int64_t bytes = 0;
  for (const auto& request : requests) bytes += static_cast<std::int64_t>(request.ByteSizeLong());
  return bytes;
}

void publish_rate(benchmark::State& state, std::size_t posts) {
  state.counters["posts_per_s"] = benchmark::Counter(
      static_cast<double>(posts * state.iterations()), benchmark::Counter::kIsRate);
}

// Args: posts, chunk (records per IngestRequest message), streams (concurrent Ingest calls,
// each with an even share of the chunks).
void BM_Ingest(benchmark::State& state) {
  const CorpusShape shape{.posts = static_cast<std::size_t>(state.range(0))};
  const auto streams = static_cast<std::size_t>(state.range(2));
  LoadedServer server(shape);
  std::vector<std::vector<v1::IngestRequest>> stream_chunks(streams);
  std::int64_t bytes = 0;
  {
    auto chunks = split<v1::IngestRequest>(
        shape.posts, static_cast<std::size_t>(state.range(1)),
        [&](std::size_t i) { return post_op(shape, i); }, append_record);
    bytes = wire_bytes(chunks);
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      stream_chunks[i % streams].push_back(std::move(chunks[i]));
    }
  }
  for (auto _ : state) {
    std::vector<absl::StatusOr<v1::IngestResponse>> responses(streams);
    {
      std::vector<std::jthread> clients;
      for (std::size_t s = 0; s < streams; ++s) {
        clients.emplace_back([&, s] { responses[s] = ingest(server.stub(), stream_chunks[s]); });
      }
    }
    std::uint64_t created = 0;
    for (const auto& response : responses) {
      if (!response.ok()) {
        state.SkipWithError(std::string(response.status().message()).c_str());
        return;
      }
      created += response->posts();
    }
    // Also catches a second iteration, whose posts would all be idempotent repeats.
    if (created != shape.posts) {
      state.SkipWithError("the server did not create every post");
      return;
    }
  }
  publish_rate(state, shape.posts);
  state.SetBytesProcessed(bytes * state.iterations());
}

// Args: posts, batch (posts per CreatePosts call). Calls are sequential.
void BM_CreatePosts(benchmark::State& state) {
  const CorpusShape shape{.posts = static_cast<std::size_t>(state.range(0))};
  LoadedServer server(shape);
  const auto batches = split<v1::CreatePostsRequest>(
      shape.posts, static_cast<std::size_t>(state.range(1)),
      [&](std::size_t i) { return post_op(shape, i); }, append_post);
  LatencyRecorder latencies(batches.size());
  for (auto _ : state) {
    for (const auto& batch : batches) {
      grpc::ClientContext context;
      v1::CreatePostsResponse response;
      const auto status =
          latencies.time([&] { return server.stub().CreatePosts(&context, batch, &response); });
      if (!status.ok() || response.created() != static_cast<std::uint32_t>(batch.posts_size())) {
        state.SkipWithError(status.ok() ? "the server did not create every post"
                                        : status.error_message().c_str());
        break;
      }
    }
  }
  publish_rate(state, shape.posts);
  state.SetBytesProcessed(wire_bytes(batches) * state.iterations());
  latencies.publish(state);  // per call
}

// Args: posts, batch. The baseline without gRPC: FeedEngine::write is what the service calls
// after converting a request (it also derives hashtags and vectors), then FeedStore::write.
void BM_FeedEngineWrite(benchmark::State& state) {
  const CorpusShape shape{.posts = static_cast<std::size_t>(state.range(0))};
  ScopedTempDir dir;
  auto durable = store::open_rocksdb_store((dir.path() / "data").string());
  if (!durable.ok()) throw std::runtime_error(std::string(durable.status().message()));
  auto opened = ranker::FeedEngine::open(std::move(*durable), {});
  if (!opened.ok()) throw std::runtime_error(std::string(opened.status().message()));
  ranker::FeedEngine& engine = **opened;
  const auto name = [](std::size_t index, std::string_view field) {
    return fmt::format("ops[{}].{}", index, field);
  };
  const auto preload = preload_ops(shape);
  for (auto& ops : split<std::vector<WriteOp>>(
           preload.size(), kMaxChunk, [&](std::size_t i) { return preload[i]; }, append_op)) {
    if (auto written = engine.write(std::move(ops), name); !written.ok()) {
      throw std::runtime_error("preload: " + std::string(written.status().message()));
    }
  }
  auto batches = split<std::vector<WriteOp>>(
      shape.posts, static_cast<std::size_t>(state.range(1)),
      [&](std::size_t i) { return post_op(shape, i); }, append_op);
  for (auto _ : state) {
    for (auto& ops : batches) {
      // Moved from: the one iteration consumes the prepared batches.
      auto written = engine.write(std::move(ops), name);
      if (!written.ok() || written->posts_created == 0) {
        state.SkipWithError("write failed or created nothing");
        break;
      }
    }
  }
  publish_rate(state, shape.posts);
}

v1::GetStatsResponse stats_of(v1::FeedRank::Stub& stub) {
  grpc::ClientContext context;
  v1::GetStatsResponse stats;
  if (auto status = stub.GetStats(&context, v1::GetStatsRequest(), &stats); !status.ok()) {
    throw std::runtime_error("GetStats: " + status.error_message());
  }
  return stats;
}

// Seconds until GetStats says the index lag is zero (polled every 50 ms).
double seconds_until_indexed(v1::FeedRank::Stub& stub) {
  const auto start = std::chrono::steady_clock::now();
  while (stats_of(stub).index_lag() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One client calling GetNearestPosts (a random vector, k = 10) 20 times a second on its own
// thread (a call that runs late is followed at once by the next), its latencies kept by phase:
// during the load, while the index catches up, once it has. Light on purpose: an exact scan of
// 1M posts is 20 ms of both cores, and a heavier reader would measure itself, not the writes.
class NearestPostsReader {
 public:
  enum Phase { kDuringLoad, kCatchingUp, kCaughtUp, kPhases };

  NearestPostsReader(v1::FeedRank::Stub& stub, int dimension)
      : stub_(stub), dimension_(dimension), thread_([this] { run(); }) {}
  ~NearestPostsReader() { stop(); }

  void enter(Phase phase) { phase_ = phase; }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // After stop().
  LatencyRecorder& latencies(Phase phase) { return latencies_[phase]; }
  std::size_t failures() const { return failures_; }

 private:
  void run() {
    std::mt19937 rng(5);
    std::normal_distribution<float> normal;
    auto next = std::chrono::steady_clock::now();
    while (!stopping_) {
      std::this_thread::sleep_until(next);
      next += std::chrono::milliseconds(50);
      v1::GetNearestPostsRequest request;
      for (int i = 0; i < dimension_; ++i) request.add_embedding(normal(rng));
      request.set_k(10);
      grpc::ClientContext context;
      v1::GetNearestPostsResponse response;
      const auto start = std::chrono::steady_clock::now();
      const grpc::Status status = stub_.GetNearestPosts(&context, request, &response);
      const double micros =
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
              .count();
      if (!status.ok()) {
        ++failures_;
        continue;
      }
      latencies_[phase_.load()].record(micros);
    }
  }

  v1::FeedRank::Stub& stub_;
  const int dimension_;
  std::atomic<Phase> phase_{kDuringLoad};
  std::atomic<bool> stopping_{false};
  LatencyRecorder latencies_[kPhases] = {LatencyRecorder(1 << 16), LatencyRecorder(1 << 16),
                                         LatencyRecorder(1 << 16)};
  std::size_t failures_ = 0;
  std::thread thread_;  // last: starts once the rest is set up
};

// Args: posts, index (0: the exact scan, 1: HNSW, 2: the GPU backend's resident matrix; main()
// registers it only where a GPU is usable), rebuild (1: then restart without the saved index and
// time the from-scratch build of the same rows). Ingest in chunks of 1,000 on one
// stream while one reader calls GetNearestPosts; then the time until the background indexer's
// lag is zero, and the reader's latencies during the load, the catch-up and after. HNSW at 1M
// runs long: the reader's exact scans of a large tail take most of both cores from the niced
// indexer (about 170 rows/s at 100k indexed rows with the lag near 900k, on the 2-core VM).
void BM_IngestIndexed(benchmark::State& state) {
  const CorpusShape shape{.posts = static_cast<std::size_t>(state.range(0))};
  ranker::RetrievalOptions retrieval;
  retrieval.backend =
      state.range(1) == 2 ? kernels::BackendRequest::kGpu : kernels::BackendRequest::kCpu;
  retrieval.cpu_index = state.range(1) == 1 ? ranker::CpuIndexKind::kHnsw
                                            : ranker::CpuIndexKind::kExact;
  LoadedServer server(shape, retrieval);
  const auto chunks = split<v1::IngestRequest>(
      shape.posts, 1'000, [&](std::size_t i) { return post_op(shape, i); }, append_record);
  NearestPostsReader reader(server.stub(),
                            static_cast<int>(stats_of(server.stub()).embedding_dimension()));
  for (auto _ : state) {
    auto response = ingest(server.stub(), chunks);
    if (!response.ok() || response->posts() != shape.posts) {
      state.SkipWithError(response.ok() ? "the server did not create every post"
                                        : std::string(response.status().message()).c_str());
      return;
    }
  }
  reader.enter(NearestPostsReader::kCatchingUp);
  state.counters["lag_at_end"] = static_cast<double>(stats_of(server.stub()).index_lag());
  state.counters["catch_up_s"] = seconds_until_indexed(server.stub());
  reader.enter(NearestPostsReader::kCaughtUp);
  std::this_thread::sleep_for(std::chrono::seconds(10));
  reader.stop();
  const v1::GetStatsResponse stats = stats_of(server.stub());
  if (stats.background_indexing_seconds() > 0) {
    state.counters["indexer_rows_per_s"] =
        static_cast<double>(stats.background_indexed_rows()) / stats.background_indexing_seconds();
    state.counters["indexer_yielded_s"] = stats.background_indexing_yielded_seconds();
  }
  publish_rate(state, shape.posts);
  reader.latencies(NearestPostsReader::kDuringLoad).publish(state, "load_");
  reader.latencies(NearestPostsReader::kCatchingUp).publish(state, "catchup_");
  reader.latencies(NearestPostsReader::kCaughtUp).publish(state, "idle_");
  state.counters["read_failures"] = static_cast<double>(reader.failures());
  if (state.range(2) == 1) {
    const auto start = std::chrono::steady_clock::now();
    server.restart_without_saved_index();
    const double listening =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.counters["restart_s"] = listening;
    // The same reader as during the catch-up, so that both builds share the cores alike.
    NearestPostsReader rebuild_reader(server.stub(), static_cast<int>(stats.embedding_dimension()));
    rebuild_reader.enter(NearestPostsReader::kCatchingUp);
    state.counters["rebuild_s"] = listening + seconds_until_indexed(server.stub());
    rebuild_reader.stop();
    rebuild_reader.latencies(NearestPostsReader::kCatchingUp).publish(state, "rebuild_");
  }
}

// One iteration each: a second would only repeat idempotent writes. Wall time, since the work
// is spread over server threads; the CPU column is the whole process (client and server).
void WriteSettings(benchmark::internal::Benchmark* b) {
  b->Iterations(1)->UseRealTime()->MeasureProcessCPUTime()->Unit(benchmark::kMillisecond);
}
void IngestShapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"posts", "chunk", "streams"});
  b->Args({1'000'000, 1'000, 1})->Args({1'000'000, 5'000, 1})->Args({1'000'000, 1'000, 2});
  WriteSettings(b);
}
void UnaryShapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"posts", "batch"})->Args({1'000'000, 1'000});
  WriteSettings(b);
}
void InProcessShapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"posts", "batch"})->Args({1'000'000, 1'000})->Args({1'000'000, 5'000});
  WriteSettings(b);
}

BENCHMARK(BM_Ingest)->Apply(IngestShapes);
BENCHMARK(BM_CreatePosts)->Apply(UnaryShapes);
BENCHMARK(BM_FeedEngineWrite)->Apply(InProcessShapes);
void IndexedShapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"posts", "index", "rebuild"});
  WriteSettings(b);
}

BENCHMARK(BM_IngestIndexed)
    ->Args({1'000'000, 0, 0})
    ->Args({1'000'000, 1, 0})
    ->Args({100'000, 1, 1})
    ->Apply(IndexedShapes);

}  // namespace
}  // namespace feedrank::bench

// The server under test runs in this process: its malloc as feedrank-server's.
int main(int argc, char** argv) {
  feedrank::reexec_with_huge_page_malloc(argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::string why;
  if (feedrank::kernels::usable_gpu_count(&why) > 0) {
    benchmark::RegisterBenchmark("BM_IngestIndexed", feedrank::bench::BM_IngestIndexed)
        ->Args({1'000'000, 2, 0})
        ->Apply(feedrank::bench::IndexedShapes);
  } else {
    std::printf("ingest_benchmark: BM_IngestIndexed on the GPU skipped: no usable GPU: %s\n",
                why.c_str());
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
