#include "api/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <stop_token>
#include <thread>

#include "api/feed_service.h"
#include "api/field_checks.h"
#include "api/http/http_listener.h"
#include "api/http/json_gateway.h"
#include "api/metrics/metrics_endpoint.h"
#include "api/serving/poller_keep_alive.h"
#include "common/stoppable_sleep.h"
#include "kernels/compute_backend.h"
#include "embeddings/vector_dimension.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "ranker/feed_engine.h"
#include "ranker/wall_clock.h"
#include "spdlog/spdlog.h"
#include "store/feed_store.h"

namespace feedrank::api {
namespace {

constexpr std::chrono::seconds kShutdownGrace{2};

// "6h", "30m", "90s", "250ms": the largest unit that divides the interval.
std::string describe_interval(std::chrono::milliseconds interval) {
  const std::int64_t ms = interval.count();
  if (ms % 3'600'000 == 0) return fmt::format("{}h", ms / 3'600'000);
  if (ms % 60'000 == 0) return fmt::format("{}m", ms / 60'000);
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}ms", ms);
}

// The address clients dial: the host with the port gRPC bound (the one chosen for ":0"); a Unix
// socket's as given (gRPC reports port 1 for one).
std::string bound_address(const std::string& listen_address, int port) {
  if (listen_address.starts_with("unix:") || listen_address.starts_with("unix-abstract:")) {
    return listen_address;
  }
  return fmt::format("{}:{}", listen_address.substr(0, listen_address.rfind(':')), port);
}

// Starts a retraining of the learned model every `every` until stopped. A training still
// running when the next one is due (ALREADY_EXISTS) is left to finish; the schedule goes on.
std::jthread start_retraining(ranker::FeedEngine& engine, std::chrono::milliseconds every,
                              std::function<void(std::string_view)> log) {
  return std::jthread([&engine, every, log = std::move(log)](std::stop_token stop) {
    while (sleep_unless_stopped(stop, every)) {
      const absl::Status status = engine.train_learned(ranker::wall_clock_ms(), /*wait=*/false);
      if (!status.ok() && log) {
        log(fmt::format("scheduled retraining {}: {}",
                        absl::IsAlreadyExists(status) ? "skipped" : "not started",
                        std::string(status.message())));
      }
    }
  });
}

}  // namespace

// The limit's floor (the fixed limit of old): feed pages and lookups stay far below it.
constexpr std::size_t kMinMessageBytes = 64 << 20;
// A post's bytes besides its text and embedding: ids, time, visibility, field tags and lengths,
// and an Ingest record's wrapping (about 50).
constexpr std::size_t kPostOverheadBytes = 128;
// The request's own fields and anything else not counted per item.
constexpr std::size_t kMessageHeadroomBytes = 1 << 20;
// The synchronous server runs each call on a thread of its own and starts threads on demand; past
// this many, gRPC answers RESOURCE_EXHAUSTED itself (a backstop behind the per-method limits).
constexpr int kMaxServerThreads = 1024;
constexpr int kMaxIdleServerThreads = 64;

int max_message_bytes(int embedding_dimension) {
  const std::size_t post_bytes =
      kMaxTextBytes + sizeof(float) * static_cast<std::size_t>(embedding_dimension) +
      kPostOverheadBytes;
  return static_cast<int>(
      std::max(kMinMessageBytes, kMaxBatchItems * post_bytes + kMessageHeadroomBytes));
}

struct FeedServer::Parts {
  std::unique_ptr<ranker::FeedEngine> engine;
  std::unique_ptr<ranker::ExperimentFeeds> experiments;
  std::unique_ptr<serving::CallGate> gate;  // outlives the service, which calls it
  std::unique_ptr<FeedService> service;
  std::unique_ptr<http::HttpListener> metrics;  // --metrics-listen
  std::unique_ptr<http::HttpListener> gateway;  // --http-listen; calls `server` in process
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<serving::PollerKeepAlive> keep_alive;  // calls `server`: stops first
  std::string address;
  std::function<void(std::string_view)> log;
  std::jthread retraining;    // --train-every; stopped before the engine goes
  std::mutex shutdown_mutex;  // the signal thread and the destructor may both shut down
  bool stopped = false;
};

FeedServer::FeedServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
FeedServer::~FeedServer() { shutdown(); }

absl::StatusOr<std::unique_ptr<FeedServer>> FeedServer::start(const ServerOptions& options) {
  if (auto status = embeddings::validate_dimension(options.embedding_dimension); !status.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("embedding dimension: {}", std::string(status.message())));
  }
  if (auto status = ranker::check_space_dimension(options.algorithmic.vector_space,
                                                  options.embedding_dimension);
      !status.ok()) {
    return status;
  }
  if (auto status = serving::CallGate::validate(options.limits); !status.ok()) return status;
  // Checked before the store opens: a refused transport leaves the data directory untouched.
  auto credentials = listen_credentials(options.listen_address, options.transport);
  if (!credentials.ok()) return credentials.status();
  if (!credentials->warning.empty()) spdlog::warn("{}", credentials->warning);
  if (options.log) options.log(fmt::format("transport: {}", credentials->description));
  std::string http_listen;  // the gateway's address; empty: off
  if (!options.http_listen_address.empty()) {
    std::string warning;
    auto checked = http::checked_gateway_address(options.http_listen_address,
                                                 options.transport.insecure, warning);
    if (!checked.ok()) return checked.status();
    if (!warning.empty()) spdlog::warn("{}", warning);
    http_listen = std::move(*checked);
  }
  // Read before the store opens, so that a bad file, too, leaves it unopened (a start may
  // upgrade it, and opening a large one takes seconds).
  auto experiments_config = ranker::ExperimentFeeds::load_config(options.experiments_path);
  if (!experiments_config.ok()) return experiments_config.status();
  auto parts = std::make_unique<Parts>();
  parts->log = options.log;
  auto durable = store::open_rocksdb_store(options.data_dir);
  if (!durable.ok()) return durable.status();
  ranker::CorpusVectorOptions vectors;
  vectors.users.dimension = options.embedding_dimension;
  vectors.post_precision = options.post_vectors;
  vectors.log = options.log;
  ranker::RetrievalOptions retrieval = options.retrieval;
  retrieval.saved_index_path =
      (std::filesystem::path(options.data_dir) / "retrieval-index.faiss").string();
  ranker::AlgorithmicOptions algorithmic = options.algorithmic;
  const bool learned = algorithmic.vector_space != ranker::VectorSpace::kText;
  // The model survives restarts: a start reads it rather than training again.
  algorithmic.learned.model_path =
      (std::filesystem::path(options.data_dir) / "learned-model").string();
  if (options.log && !learned) {
    options.log(
        "vector space text: hashed TF-IDF vectors of the post text (--vector-space "
        "learned or hybrid trains embeddings on the engagements)");
  }
  auto engine = ranker::FeedEngine::open(std::move(*durable), std::move(vectors), retrieval,
                                         std::move(algorithmic));
  if (!engine.ok()) return engine.status();
  parts->engine = std::move(*engine);
  ranker::ExperimentOptions experiment_options;
  experiment_options.config_path = options.experiments_path;
  experiment_options.config = std::move(*experiments_config);
  if (options.impression_log) {
    experiment_options.impression_log_dir =
        (std::filesystem::path(options.data_dir) / "impressions").string();
    experiment_options.impression_log.sync_each_page = options.impression_log_sync;
  }
  auto experiments = ranker::ExperimentFeeds::open(*parts->engine, std::move(experiment_options));
  if (!experiments.ok()) return experiments.status();
  parts->experiments = std::move(*experiments);
  if (options.log && !options.experiments_path.empty()) {
    options.log(fmt::format("experiments: {} from {}",
                            fmt::join(parts->experiments->experiment_ids(), ", "),
                            options.experiments_path));
  }
  parts->gate = std::make_unique<serving::CallGate>(options.limits);
  parts->service = std::make_unique<FeedService>(*parts->engine, *parts->experiments,
                                                 WriteRules{options.embedding_dimension},
                                                 *parts->gate);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen_address, credentials->credentials, &port);
  // gRPC sets SO_REUSEPORT by default, which lets a second server share a taken port silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  const int max_message = max_message_bytes(options.embedding_dimension);
  builder.SetMaxReceiveMessageSize(max_message);
  builder.SetMaxSendMessageSize(max_message);
  grpc::ResourceQuota quota("feedrank-server");
  quota.SetMaxThreads(kMaxServerThreads);
  builder.SetResourceQuota(quota);
  // gRPC's defaults (at most 2 idle threads waiting for calls) make a thread that served a call
  // exit whenever two others wait, so under load threads are started and torn down all the time
  // (stacks mapped, zeroed, unmapped); keeping up to 64 cut GetFeed's p99 at 2,500 calls/s on 2
  // cores from over 900 ms (saturated) to 28-152 ms (benchmarks/RESULTS.md, 2026-12-02).
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              kMaxIdleServerThreads);
  builder.RegisterService(parts->service.get());
  parts->server = builder.BuildAndStart();
  if (!parts->server || port == 0) {
    return absl::UnavailableError(
        fmt::format("cannot listen on {} (address in use or invalid)", options.listen_address));
  }
  parts->address = bound_address(options.listen_address, port);
  parts->server->GetHealthCheckService()->SetServingStatus(true);
  parts->keep_alive =
      std::make_unique<serving::PollerKeepAlive>(parts->server->InProcessChannel({}));
  if (!options.metrics_listen_address.empty()) {
    // A scrape renders the counters plus the engine's state read then.
    const bool gpu = parts->engine->retrieval_backend().starts_with("gpu");
    auto render = [&parts = *parts, gpu] {
      metrics::ScrapeState state;
      state.engine = parts.engine->counts();
      state.impressions = parts.experiments->impressions();
      if (gpu) state.gpu_memory_used_bytes = kernels::gpu_memory_used_bytes();
      return parts.gate->metrics().render(state, parts.gate->limits());
    };
    auto listener =
        metrics::start_metrics_endpoint(options.metrics_listen_address, std::move(render));
    if (!listener.ok()) {
      return absl::Status(listener.status().code(),
                          fmt::format("--metrics-listen: {}", std::string(listener.status().message())));
    }
    parts->metrics = std::move(*listener);
    if (options.log) {
      options.log(fmt::format("metrics on http://{}/metrics", parts->metrics->address()));
    }
  }
  if (!http_listen.empty()) {
    grpc::ChannelArguments channel_args;
    channel_args.SetMaxReceiveMessageSize(max_message);
    auto listener = http::start_json_gateway(http_listen,
                                             parts->server->InProcessChannel(channel_args),
                                             options.replay_reports_dir);
    if (!listener.ok()) {
      return absl::Status(listener.status().code(),
                          fmt::format("--http-listen: {}", std::string(listener.status().message())));
    }
    parts->gateway = std::move(*listener);
    if (options.log) {
      options.log(fmt::format("HTTP/JSON gateway and explorer on http://{}/",
                              parts->gateway->address()));
    }
  }
  if (options.train_every.count() > 0) {
    if (learned) {
      if (options.log) {
        options.log(fmt::format("retraining the learned model every {}",
                                describe_interval(options.train_every)));
      }
      parts->retraining = start_retraining(*parts->engine, options.train_every, options.log);
    } else if (options.log) {
      options.log("--train-every ignored: the text space trains no model");
    }
  }
  return std::unique_ptr<FeedServer>(new FeedServer(std::move(parts)));
}

absl::StatusOr<std::string> FeedServer::reload_experiments() {
  auto ids = parts_->experiments->reload();
  if (!ids.ok()) return ids.status();
  return fmt::format("experiments reloaded: {}", fmt::join(*ids, ", "));
}

const std::string& FeedServer::address() const { return parts_->address; }

std::string FeedServer::http_address() const {
  return parts_->gateway ? parts_->gateway->address() : std::string();
}

std::string FeedServer::metrics_address() const {
  return parts_->metrics ? parts_->metrics->address() : std::string();
}

void FeedServer::wait() { parts_->server->Wait(); }

void FeedServer::shutdown() {
  if (!parts_ || !parts_->server) return;
  std::lock_guard lock(parts_->shutdown_mutex);
  if (parts_->stopped) return;
  // The gateway's calls go through the gRPC server: it stops first, letting its requests finish.
  if (parts_->gateway) parts_->gateway->stop();
  // Stopped first: its calls would fail once the server shuts down. The callback threads may nap
  // again in the grace period below, holding up an in-flight call's next message by 100 ms.
  parts_->keep_alive.reset();
  // Calls in flight get a grace period, then are cancelled (Ingest chunks already acknowledged
  // stay durable). Without a deadline gRPC also lingers about 5 s over idle client connections.
  parts_->server->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  parts_->stopped = true;
  if (parts_->metrics) parts_->metrics->stop();
  if (parts_->retraining.joinable()) {
    parts_->retraining.request_stop();
    parts_->retraining.join();
  }
  // Saved user vectors spare the next start its replay; losing them only costs that replay.
  if (auto status = parts_->engine->checkpoint(); !status.ok() && parts_->log) {
    parts_->log(fmt::format("checkpoint at shutdown failed: {}", std::string(status.message())));
  }
}

}  // namespace feedrank::api
