// feedrank-server: serves feeds over gRPC from an embedded store.
#include <grpc/support/log.h>
#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "api/server.h"
#include "api/serving/structured_log.h"
#include "common/huge_page_malloc.h"
#include "spdlog/spdlog.h"
#include "tools/server/duration_flag.h"
#include "tools/server/signal_loop.h"

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

// SIGINT/SIGTERM shut the server down cleanly; SIGHUP reloads the experiments config. Libraries
// start threads of their own before main (OpenBLAS, under FAISS, starts its pool when it loads),
// so masking the signals and waiting for them in one thread cannot work: any thread may receive
// them. The handler, in whatever thread, writes the signal number to a pipe that the signal
// thread reads.
int signal_pipe[2] = {-1, -1};

extern "C" void on_signal(int signal) {
  const auto byte = static_cast<char>(signal);
  [[maybe_unused]] const ssize_t written = write(signal_pipe[1], &byte, 1);
}

bool install_signal_handlers() {
  if (pipe(signal_pipe) != 0) return false;
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  // A reader of stdout that goes away (a script that read up to "listening on") must not kill
  // the server at its next log line: writes to a closed pipe fail instead.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  return sigaction(SIGINT, &action, nullptr) == 0 && sigaction(SIGTERM, &action, nullptr) == 0 &&
         sigaction(SIGHUP, &action, nullptr) == 0 && sigaction(SIGPIPE, &ignore, nullptr) == 0;
}

// SIGHUP reloads the experiments config; SIGINT and SIGTERM shut down.
std::thread handle_signals(feedrank::api::FeedServer& server) {
  return std::thread([&server] {
    feedrank::server::run_signal_loop(signal_pipe[0],
                                      [&server] { return server.reload_experiments(); });
    server.shutdown();
  });
}

// A ranking keeps a core busy a few milliseconds and its out-of-network search is batched with
// others; 32 per core keeps the cores and the batches full, and bounds what an accepted
// first page waits behind past saturation (32 / (cores x rankings a second per core)).
int default_rankings_in_flight() {
  constexpr int kPerCore = 32;
  return kPerCore * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

int main(int argc, char** argv) {
  feedrank::reexec_with_huge_page_malloc(argv);
  // Debian builds Abseil with its mutex deadlock detection on: 4-5% of the server's CPU under
  // load (perf), spent on a lock-order graph for a debugging aid.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"feedrank-server: chronological and algorithmic social feeds over gRPC"};
  feedrank::api::ServerOptions options;
  options.log = [](std::string_view line) { spdlog::info("{}", line); };
  std::string backend = "auto";
  std::string cpu_index = "exact";
  app.add_option("--listen", options.listen_address, "HOST:PORT to listen on (port 0: any free)")
      ->capture_default_str();
  feedrank::api::TransportSecurity& transport = options.transport;
  app.add_option("--tls-cert", transport.tls_cert,
                 "PEM certificate chain: serve TLS (with --tls-key)");
  app.add_option("--tls-key", transport.tls_key, "PEM private key of --tls-cert");
  app.add_option("--tls-client-ca", transport.tls_client_ca,
                 "PEM CA bundle: mutual TLS, every client must present a certificate it signed");
  app.add_flag("--insecure", transport.insecure,
               "allow plaintext on a non-loopback --listen address (logs a warning)");
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
  std::string post_vectors = "half";
  app.add_option("--post-vectors", post_vectors,
                 "how post vectors are held in memory: half (half the bytes to hold and to scan; "
                 "text vectors are computed at half precision, so only vectors that callers "
                 "supply are rounded, and the store keeps those as given) or float")
      ->check(CLI::IsMember({"half", "float"}))
      ->capture_default_str();
  app.add_flag("--gpu-fp16", retrieval.gpu_fp16,
               "GPU: keep post vectors at half precision (half the memory and bandwidth)");
  std::string ranking_config;
  int ranked_list_ttl_s = 600;
  int ranked_list_cache_mb = 64;
  app.add_option("--ranking-config", ranking_config,
                 "JSON ranking config of the algorithmic feed (default: built-in priors; "
                 "`feedrank fit-ranker` writes a fitted one)");
  app.add_option("--ranked-list-ttl-s", ranked_list_ttl_s,
                 "how long an algorithmic cursor's ranked list is kept")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option(
         "--ranked-list-cache-mb", ranked_list_cache_mb,
         "memory for ranked lists behind algorithmic cursors (least recently used go first)")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  app.add_option("--experiments", options.experiments_path,
                 "JSON experiments config (arms, shares, variants); SIGHUP or the "
                 "ReloadExperiments RPC re-reads it");
  std::string impression_log = "on";
  app.add_option("--impression-log", impression_log,
                 "log every served feed item (for experiment reports): on (written before the "
                 "page is returned, so a crash or kill -9 loses none; synced to disk every "
                 "second), sync (synced before the page is returned: power-cut safe, one fsync "
                 "per page) or off")
      ->check(CLI::IsMember({"on", "sync", "off"}))
      ->capture_default_str();
  feedrank::ranker::AlgorithmicOptions& algorithmic = options.algorithmic;
  std::string vector_space = "text";
  app.add_option("--vector-space", vector_space,
                 "retrieval's vector space: text (hashed TF-IDF of the post text), learned "
                 "(implicit-ALS embeddings trained on the engagements) or hybrid (both, weighed "
                 "by --hybrid-text-weight)")
      ->check(CLI::IsMember({"text", "learned", "hybrid"}))
      ->capture_default_str();
  app.add_option("--hybrid-text-weight", algorithmic.learned.hybrid_text_weight,
                 "hybrid space: the weight w of text similarity, 0..1 (the learned score gets "
                 "1 - w)")
      ->capture_default_str();
  std::string train_every = "0";
  app.add_option("--train-every", train_every,
                 "learned and hybrid spaces: retrain the model in the background this often "
                 "(30m, 6h, 1d; 0: only at start without a saved model, and by the Train RPC)")
      ->check(CLI::Validator(
          [](std::string& text) {
            std::chrono::milliseconds interval{0};
            std::string error;
            return feedrank::server::parse_duration(text, interval, error) ? std::string() : error;
          },
          "DURATION"))
      ->capture_default_str();
  std::string train_backend = "auto";
  app.add_option("--train-backend", train_backend,
                 "where the learned model trains: auto (the GPU when usable), cpu or gpu")
      ->check(CLI::IsMember({"auto", "cpu", "gpu"}))
      ->capture_default_str();
  app.add_option("--train-iterations", algorithmic.learned.model.als.max_iterations,
                 "ALS iterations per training at most (it stops sooner once the loss settles)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--train-at-start", algorithmic.train_at_start,
                 "learned and hybrid spaces: without a saved model, train one in the background "
                 "at start (true|false)")
      ->default_str("true");
  app.add_option("--metrics-listen", options.metrics_listen_address,
                 "serve Prometheus metrics at http://HOST:PORT/metrics (off when not given)");
  app.add_option("--http-listen", options.http_listen_address,
                 "serve the HTTP/JSON gateway and the feed explorer page at http://HOST:PORT/ "
                 "(off when not given; e.g. 127.0.0.1:8080)");
  app.add_option("--replay-reports", options.replay_reports_dir,
                 "folder of `feedrank replay --json` reports (*.json) the explorer's replay "
                 "panel lists");
  app.add_option("--max-in-flight", options.limits.max_in_flight,
                 "calls each RPC method may serve at once; more get RESOURCE_EXHAUSTED at once")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  algorithmic.max_rankings_in_flight = default_rankings_in_flight();
  app.add_option("--max-rankings-in-flight", algorithmic.max_rankings_in_flight,
                 "algorithmic and interleaved first pages ranked at once (cursor pages are not "
                 "counted); more get RESOURCE_EXHAUSTED at once; 0: no bound")
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();
  std::vector<std::string> method_limits;
  app.add_option("--method-in-flight", method_limits,
                 "METHOD=N: another in-flight limit for one method (e.g. Ingest=4); repeatable");
  std::string log_level = "info";
  std::string log_format = "text";
  app.add_option("--log-level", log_level,
                 "trace|debug|info|warn|error|critical|off (debug logs every call with its "
                 "request id)")
      ->capture_default_str();
  app.add_option("--log-format", log_format,
                 "text (key=value fields) or json (one object per line)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help
  } catch (const CLI::ParseError& e) {
    // One line naming the flag, as every other start-up failure.
    std::cerr << "feedrank-server: " << e.what() << "\n";
    return e.get_exit_code();
  }
  if (!(algorithmic.learned.hybrid_text_weight >= 0.0f &&
        algorithmic.learned.hybrid_text_weight <= 1.0f)) {
    std::cerr << "feedrank-server: --hybrid-text-weight: must be in 0..1, got "
              << algorithmic.learned.hybrid_text_weight << "\n";
    return 1;
  }
  feedrank::api::serving::LogFormat format = feedrank::api::serving::LogFormat::kText;
  feedrank::api::serving::parse_log_format(log_format, format);  // checked by CLI11
  if (auto status = feedrank::api::serving::configure_logging(log_level, format); !status.ok()) {
    std::cerr << "feedrank-server: " << status.message() << "\n";
    return 1;
  }
  for (const std::string& limit : method_limits) {
    const auto equals = limit.find('=');
    int value = 0;
    if (equals == std::string::npos || !absl::SimpleAtoi(limit.substr(equals + 1), &value)) {
      std::cerr << "feedrank-server: --method-in-flight: expected METHOD=N, got '" << limit
                << "'\n";
      return 1;
    }
    options.limits.method_overrides[limit.substr(0, equals)] = value;
  }
  feedrank::ranker::parse_vector_space(vector_space, algorithmic.vector_space);
  feedrank::kernels::parse_backend_request(train_backend, algorithmic.learned.train_backend);
  std::string unused;
  feedrank::server::parse_duration(train_every, options.train_every, unused);  // checked above
  options.impression_log = impression_log != "off";
  options.impression_log_sync = impression_log == "sync";
  if (!ranking_config.empty()) {
    auto config = feedrank::ranker::load_ranking_config(ranking_config);
    if (!config.ok()) {
      std::cerr << "feedrank-server: --ranking-config " << config.status().message() << "\n";
      return 1;
    }
    options.algorithmic.config = std::move(*config);
  }
  options.algorithmic.cache.ttl = std::chrono::seconds(ranked_list_ttl_s);
  options.algorithmic.cache.max_bytes = static_cast<std::size_t>(ranked_list_cache_mb) << 20;
  feedrank::kernels::parse_backend_request(backend, retrieval.backend);
  feedrank::ranker::parse_cpu_index_kind(cpu_index, retrieval.cpu_index);
  options.post_vectors = post_vectors == "float" ? feedrank::embeddings::RowPrecision::kFloat
                                                 : feedrank::embeddings::RowPrecision::kHalf;

  if (!install_signal_handlers()) {
    std::cerr << "feedrank-server: cannot install the SIGINT/SIGTERM/SIGHUP handlers\n";
    return 1;
  }

  gpr_set_log_function(forward_grpc_log);
  auto server = feedrank::api::FeedServer::start(options);
  if (!server.ok()) {
    std::cerr << "feedrank-server: " << server.status().message() << "\n";
    return 1;
  }
  serving = true;
  // The start-up replay's temporaries are free by now: give their pages back to the system
  // (about 20 MB at a million posts) rather than keep them until the heap reuses them.
  malloc_trim(0);
  // Before "listening on", which tests and scripts read up to.
  if (const std::string http = (*server)->http_address(); !http.empty()) {
    std::cout << "explorer on http://" << http << "/" << std::endl;
  }
  std::cout << "listening on " << (*server)->address() << std::endl;
  std::thread signal_thread = handle_signals(**server);
  (*server)->wait();
  signal_thread.join();
  return 0;
}
