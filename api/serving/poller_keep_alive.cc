#include "api/serving/poller_keep_alive.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <future>
#include <stop_token>
#include <string>

#include "common/stoppable_sleep.h"

namespace feedrank::api::serving {
namespace {

// Well inside the second after which a waiting callback-queue thread gives up.
constexpr std::chrono::milliseconds kInterval{400};
// A call is answered in microseconds; one still waiting this long is given up, and so is one in
// flight when the server stops (its answer can wait for a busy callback thread).
constexpr std::chrono::seconds kDeadline{1};
// No service has it: gRPC answers UNIMPLEMENTED itself, and none of feedrank's code (limits,
// metrics, call logs) sees the call.
constexpr char kMethod[] = "/feedrank.internal.PollerKeepAlive/Ping";

// One call with the callback API, waited for: its completion is the event on gRPC's queue.
void call_once(grpc::GenericStub& stub, std::stop_token stop) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kDeadline);
  grpc::Slice empty{std::string()};
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<void> done;
  stub.UnaryCall(&context, kMethod, grpc::StubOptions(), &request, &response,
                 [&done](const grpc::Status&) { done.set_value(); });
  std::stop_callback cancel(stop, [&context] { context.TryCancel(); });
  done.get_future().wait();
}

}  // namespace

PollerKeepAlive::PollerKeepAlive(std::shared_ptr<grpc::Channel> in_process)
    : thread_([channel = std::move(in_process)](std::stop_token stop) {
        grpc::GenericStub stub(channel);
        do {
          call_once(stub, stop);
        } while (sleep_unless_stopped(stop, kInterval));
      }) {}

PollerKeepAlive::~PollerKeepAlive() = default;  // the jthread asks to stop and joins

}  // namespace feedrank::api::serving
