// A running feedrank server: store, engine and gRPC service (with health checking and
// reflection) on one listening address. Used by feedrank-server and by integration tests.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "api/serving/call_gate.h"
#include "api/transport_security.h"
#include "ranker/feed_engine.h"
#include "ranker/retrieval/index_choice.h"

namespace feedrank::api {

struct ServerOptions {
  std::string listen_address = "127.0.0.1:50051";  // port 0 picks a free port
  // TLS or mutual TLS from PEM files; plaintext only on loopback unless `insecure`.
  TransportSecurity transport;
  std::string data_dir = "./feedrank-data";
  int embedding_dimension = 128;  // post and user vector size: 32..1024, a multiple of 8
  // How the text space's post vectors are held in memory (ranker/vectors/corpus_vectors.h).
  embeddings::RowPrecision post_vectors = embeddings::RowPrecision::kHalf;
  ranker::RetrievalOptions retrieval;  // nearest-neighbour backend and index (--backend)
  // Ranking config, ranked-list cache, vector space; the learned model's file is set to
  // <data_dir>/learned-model.
  ranker::AlgorithmicOptions algorithmic;
  // Learned and hybrid spaces: retrain in the background this often (0: only at start, when no
  // model was saved, and by the Train RPC).
  std::chrono::milliseconds train_every{0};
  std::string experiments_path;  // the experiments config (--experiments); empty: none
  bool impression_log = true;    // log every served page under <data_dir>/impressions
  bool impression_log_sync = false;  // fsync each page (power-cut safe) instead of every second
  std::function<void(std::string_view line)> log;  // start-up progress and shutdown problems
  serving::ServingLimits limits;  // calls in flight per method (--max-in-flight)
  // Prometheus /metrics on HOST:PORT of its own (--metrics-listen); empty: not served.
  std::string metrics_listen_address;
  // The HTTP/JSON gateway and explorer page on HOST:PORT of its own (--http-listen); empty: off.
  std::string http_listen_address;
  // Replay reports (`feedrank replay --json` files) the explorer's replay panel lists
  // (--replay-reports); empty: none.
  std::string replay_reports_dir;
};

// The largest gRPC message the server reads or sends: a full write batch (10,000 posts of 4 KiB
// of text, each with an embedding of `embedding_dimension` floats) with room to spare, and never
// below 64 MiB. About 80 MiB at the largest dimension, 1,024.
int max_message_bytes(int embedding_dimension);

class FeedServer {
 public:
  // Opens the store, rebuilds the views and starts serving. Errors (unusable directory, store
  // locked by another process, port taken) are one-line messages.
  static absl::StatusOr<std::unique_ptr<FeedServer>> start(const ServerOptions& options);
  ~FeedServer();

  // HOST:PORT actually bound (the real port when 0 was asked for).
  const std::string& address() const;
  // The /metrics listener's HOST:PORT; empty when it is off.
  std::string metrics_address() const;
  // The HTTP/JSON gateway's HOST:PORT; empty when it is off.
  std::string http_address() const;
  void wait();
  void shutdown();
  // Re-reads the experiments config (SIGHUP); a one-line summary or the error.
  absl::StatusOr<std::string> reload_experiments();

 private:
  struct Parts;
  explicit FeedServer(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace feedrank::api
