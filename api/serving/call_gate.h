// Every RPC passes through the gate: it takes the call's request id (metadata `x-request-id`, or
// a new one) and echoes it in the response metadata, refuses calls whose deadline has already
// passed (DEADLINE_EXCEEDED) or whose method is at its in-flight limit (RESOURCE_EXHAUSTED),
// then, when the call ends, counts it in the metrics and logs it with its request id (at debug;
// server faults at error).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "api/metrics/server_metrics.h"
#include "api/serving/exception_status.h"
#include "api/serving/in_flight_limits.h"

namespace feedrank::api::serving {

struct ServingLimits {
  int max_in_flight = 256;                                 // per method
  absl::flat_hash_map<std::string, int> method_overrides;  // by method name, e.g. "Ingest"
};

class CallGate;

// One call while it is served.
class ServedCall {
 public:
  const std::string& request_id() const { return request_id_; }
  // False when the gate refused it (its deadline had passed, or its method's slots were taken).
  bool admitted() const { return refusal_.ok(); }
  void set_feed_mode(metrics::FeedModeLabel mode) { mode_ = mode; }

 private:
  friend class CallGate;
  ServedCall(CallGate& gate, grpc::ServerContextBase& context, std::string_view method);
  grpc::Status finish(grpc::Status status);

  CallGate& gate_;
  std::size_t method_;
  std::string request_id_;
  std::chrono::steady_clock::time_point start_;
  metrics::FeedModeLabel mode_ = metrics::FeedModeLabel::kNone;
  std::optional<InFlightLimits::Slot> slot_;
  grpc::Status refusal_;  // not OK when the call was not admitted
};

class CallGate {
 public:
  // Limits and metrics for every method of the feedrank.v1.FeedRank service.
  explicit CallGate(const ServingLimits& limits);

  // Runs body(ServedCall&) -> grpc::Status unless the call is refused.
  template <class Body>
  grpc::Status serve(grpc::ServerContextBase* context, std::string_view method, Body&& body) {
    return run(*admit(context, method), std::forward<Body>(body));
  }
  // serve() in two steps, for a call whose body runs on another thread than the one it arrived
  // on: admit() where it arrives (its in-flight slot is held from there), run() where it runs.
  std::unique_ptr<ServedCall> admit(grpc::ServerContextBase* context, std::string_view method) {
    return std::unique_ptr<ServedCall>(new ServedCall(*this, *context, method));
  }
  // A body that throws is answered RESOURCE_EXHAUSTED (out of memory) or INTERNAL with what it
  // threw: on a worker thread the exception would end the process, and gRPC's own catch answers
  // with no message, uncounted and unlogged.
  template <class Body>
  grpc::Status run(ServedCall& call, Body&& body) {
    if (!call.refusal_.ok()) return call.finish(call.refusal_);
    grpc::Status status;
    try {
      status = std::forward<Body>(body)(call);
    } catch (...) {
      status = status_of_exception(std::current_exception());
    }
    return call.finish(std::move(status));
  }

  metrics::ServerMetrics& metrics() { return metrics_; }
  const InFlightLimits& limits() const { return limits_; }
  // The in-flight limit of one of the service's methods.
  int limit_of(std::string_view method) const { return limits_.limit(method_index(method)); }

  // The FeedRank service's method names, in its descriptor's order.
  static std::vector<std::string> service_methods();
  // INVALID_ARGUMENT unless every override names a method of the service and is >= 1.
  static absl::Status validate(const ServingLimits& limits);

 private:
  friend class ServedCall;
  std::size_t method_index(std::string_view method) const;

  absl::flat_hash_map<std::string, std::size_t> method_indexes_;
  InFlightLimits limits_;
  metrics::ServerMetrics metrics_;
};

}  // namespace feedrank::api::serving
