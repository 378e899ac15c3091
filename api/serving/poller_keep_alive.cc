#include "api/serving/poller_keep_alive.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stop_token>
#include <string>

namespace feedrank::api::serving {
namespace {

// Well inside the second after which a waiting callback-queue thread gives up.
constexpr std::chrono::milliseconds kInterval{400};
// No service has it: gRPC answers UNIMPLEMENTED itself, and none of feedrank's code (limits,
// metrics, call logs) sees the call.
constexpr char kMethod[] = "/feedrank.internal.PollerKeepAlive/Ping";

// One call with the callback API, waited for: its completion is the event on gRPC's queue.
void call_once(grpc::GenericStub& stub) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::Slice empty{std::string()};
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<void> done;
  stub.UnaryCall(&context, kMethod, grpc::StubOptions(), &request, &response,
                 [&done](const grpc::Status&) { done.set_value(); });
  done.get_future().wait();
}

}  // namespace

PollerKeepAlive::PollerKeepAlive(std::shared_ptr<grpc::Channel> in_process)
    : thread_([channel = std::move(in_process)](std::stop_token stop) {
        grpc::GenericStub stub(channel);
        std::mutex mutex;
        std::condition_variable_any wake;  // only the stop request wakes it early
        std::unique_lock lock(mutex);
        while (!stop.stop_requested()) {
          call_once(stub);
          wake.wait_for(lock, stop, kInterval, [] { return false; });
        }
      }) {}

PollerKeepAlive::~PollerKeepAlive() = default;  // the jthread asks to stop and joins

}  // namespace feedrank::api::serving
