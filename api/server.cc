#include "api/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include "api/feed_service.h"
#include "embeddings/vector_dimension.h"
#include "fmt/format.h"
#include "ranker/feed_engine.h"
#include "store/feed_store.h"

namespace feedrank::api {

// Requests may carry 10,000 posts of up to 4 KiB each.
constexpr int kMaxMessageBytes = 64 << 20;

struct FeedServer::Parts {
  std::unique_ptr<store::FeedStore> store;
  std::unique_ptr<ranker::FeedEngine> engine;
  std::unique_ptr<FeedService> service;
  std::unique_ptr<grpc::Server> server;
  std::string address;
};

FeedServer::FeedServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
FeedServer::~FeedServer() { shutdown(); }

absl::StatusOr<std::unique_ptr<FeedServer>> FeedServer::start(const ServerOptions& options) {
  if (auto status = embeddings::validate_dimension(options.embedding_dimension); !status.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("embedding dimension: {}", std::string(status.message())));
  }
  auto parts = std::make_unique<Parts>();
  auto durable = store::open_rocksdb_store(options.data_dir);
  if (!durable.ok()) return durable.status();
  auto store = store::FeedStore::open(std::move(*durable));
  if (!store.ok()) return store.status();
  parts->store = std::move(*store);
  parts->engine = std::make_unique<ranker::FeedEngine>(*parts->store);
  parts->service =
      std::make_unique<FeedService>(*parts->engine, WriteRules{options.embedding_dimension});

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen_address, grpc::InsecureServerCredentials(), &port);
  // gRPC sets SO_REUSEPORT by default, which lets a second server share a taken port silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.RegisterService(parts->service.get());
  parts->server = builder.BuildAndStart();
  if (!parts->server || port == 0) {
    return absl::UnavailableError(
        fmt::format("cannot listen on {} (address in use or invalid)", options.listen_address));
  }
  const auto colon = options.listen_address.rfind(':');
  parts->address = fmt::format("{}:{}", options.listen_address.substr(0, colon), port);
  parts->server->GetHealthCheckService()->SetServingStatus(true);
  return std::unique_ptr<FeedServer>(new FeedServer(std::move(parts)));
}

const std::string& FeedServer::address() const { return parts_->address; }

void FeedServer::wait() { parts_->server->Wait(); }

void FeedServer::shutdown() {
  if (parts_ && parts_->server) parts_->server->Shutdown();
}

}  // namespace feedrank::api
