// feedrank-server: serves feeds over gRPC from an embedded store.
#include <grpc/support/log.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "api/server.h"
#include "spdlog/spdlog.h"

namespace {

std::atomic<bool> serving{false};

// gRPC's own log lines go through spdlog. Until the server is up they are debug-only, so that a
// start-up failure prints one line: ours.
void forward_grpc_log(gpr_log_func_args* args) {
  const bool error = args->severity == GPR_LOG_SEVERITY_ERROR;
  const auto level = !serving ? spdlog::level::debug
                     : error  ? spdlog::level::warn
                              : spdlog::level::debug;
  spdlog::log(level, "grpc: {}", args->message);
}

// Blocks SIGINT/SIGTERM in every thread and shuts the server down when one arrives.
std::thread shutdown_on_signal(feedrank::api::FeedServer& server) {
  return std::thread([&server] {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    int received = 0;
    sigwait(&signals, &received);
    spdlog::info("signal {}: shutting down", received);
    server.shutdown();
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"feedrank-server: chronological and algorithmic social feeds over gRPC"};
  feedrank::api::ServerOptions options;
  options.log = [](std::string_view line) { spdlog::info("{}", line); };
  std::string backend = "auto";
  std::string cpu_index = "exact";
  app.add_option("--listen", options.listen_address, "HOST:PORT to listen on (port 0: any free)")
      ->capture_default_str();
  app.add_option("--data-dir", options.data_dir, "directory of the embedded store")
      ->capture_default_str();
  app.add_option("--embedding-dimension", options.embedding_dimension,
                 "size of post and user vectors (32..1024, a multiple of 8)")
      ->capture_default_str();
  app.add_option("--backend", backend, "compute backend: auto|cpu|gpu")
      ->check(CLI::IsMember({"auto", "cpu", "gpu"}))
      ->capture_default_str();
  feedrank::ranker::RetrievalOptions& retrieval = options.retrieval;
  app.add_option("--cpu-index", cpu_index,
                 "CPU nearest-neighbour index: exact (our SIMD scan), flat (FAISS IndexFlatIP), "
                 "hnsw or ivf (FAISS, approximate)")
      ->check(CLI::IsMember({"exact", "flat", "hnsw", "ivf"}))
      ->capture_default_str();
  app.add_option("--ef-search", retrieval.ef_search, "HNSW search beam width (recall knob)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--nprobe", retrieval.nprobe, "IVF lists scanned per query (recall knob)")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  app.add_flag("--gpu-fp16", retrieval.gpu_fp16,
               "GPU: keep post vectors at half precision (half the memory and bandwidth)");
  CLI11_PARSE(app, argc, argv);
  feedrank::kernels::parse_backend_request(backend, retrieval.backend);
  feedrank::ranker::parse_cpu_index_kind(cpu_index, retrieval.cpu_index);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts

  gpr_set_log_function(forward_grpc_log);
  auto server = feedrank::api::FeedServer::start(options);
  if (!server.ok()) {
    std::cerr << "feedrank-server: " << server.status().message() << "\n";
    return 1;
  }
  serving = true;
  std::cout << "listening on " << (*server)->address() << std::endl;
  std::thread signal_thread = shutdown_on_signal(**server);
  (*server)->wait();
  signal_thread.join();
  return 0;
}
