#include "api/serving/call_gate.h"

#include <google/protobuf/descriptor.h>

#include "api/serving/request_id.h"
#include "api/serving/structured_log.h"
#include "feedrank/v1/feedrank.grpc.pb.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "spdlog/spdlog.h"

namespace feedrank::api::serving {
namespace {

std::vector<int> method_limits(const std::vector<std::string>& methods,
                               const ServingLimits& limits) {
  std::vector<int> result;
  for (const std::string& method : methods) {
    const auto override_limit = limits.method_overrides.find(method);
    result.push_back(override_limit != limits.method_overrides.end() ? override_limit->second
                                                                     : limits.max_in_flight);
  }
  return result;
}

// The caller's id when acceptable, else a new one.
std::string request_id_of(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  const auto given =
      metadata.find(grpc::string_ref(kRequestIdHeader.data(), kRequestIdHeader.size()));
  if (given != metadata.end()) {
    const std::string_view id(given->second.data(), given->second.size());
    if (acceptable_request_id(id)) return std::string(id);
  }
  return new_request_id();
}

bool server_fault(grpc::StatusCode code) {
  return code == grpc::StatusCode::INTERNAL || code == grpc::StatusCode::DATA_LOSS ||
         code == grpc::StatusCode::UNKNOWN;
}

}  // namespace

std::vector<std::string> CallGate::service_methods() {
  // Found through a message of the service's file, which links and builds that file's
  // descriptors in any program (a test that sends no message too).
  const google::protobuf::ServiceDescriptor* service =
      v1::GetStatsRequest::descriptor()->file()->pool()->FindServiceByName(
          v1::FeedRank::service_full_name());
  std::vector<std::string> methods;
  for (int i = 0; i < service->method_count(); ++i) methods.push_back(service->method(i)->name());
  return methods;
}

absl::Status CallGate::validate(const ServingLimits& limits) {
  if (limits.max_in_flight < 1) {
    return absl::InvalidArgumentError(
        fmt::format("--max-in-flight: must be at least 1, got {}", limits.max_in_flight));
  }
  const std::vector<std::string> methods = service_methods();
  for (const auto& [method, limit] : limits.method_overrides) {
    if (std::find(methods.begin(), methods.end(), method) == methods.end()) {
      return absl::InvalidArgumentError(fmt::format(
          "--method-in-flight: no method '{}' (one of {})", method, fmt::join(methods, ", ")));
    }
    if (limit < 1) {
      return absl::InvalidArgumentError(
          fmt::format("--method-in-flight: {} must be at least 1, got {}", method, limit));
    }
  }
  return absl::OkStatus();
}

CallGate::CallGate(const ServingLimits& limits)
    : limits_(service_methods(), method_limits(service_methods(), limits)),
      metrics_(service_methods()) {
  for (std::size_t i = 0; i < limits_.method_count(); ++i) method_indexes_[limits_.method(i)] = i;
}

std::size_t CallGate::method_index(std::string_view method) const {
  const auto found = method_indexes_.find(absl::string_view(method.data(), method.size()));
  // Handlers pass their own method's name; a typo is a programming error caught by the tests.
  return found != method_indexes_.end() ? found->second : 0;
}

ServedCall::ServedCall(CallGate& gate, grpc::ServerContextBase& context, std::string_view method)
    : gate_(gate),
      method_(gate.method_index(method)),
      request_id_(request_id_of(context)),
      start_(std::chrono::steady_clock::now()) {
  context.AddInitialMetadata(std::string(kRequestIdHeader), request_id_);
  if (context.deadline() < std::chrono::system_clock::now()) {
    refusal_ = grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                            "the call's deadline passed before the server started it");
    return;
  }
  slot_ = gate.limits_.try_acquire(method_);
  if (!slot_) {
    refusal_ = grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        fmt::format("{}: {} calls in flight, the server's limit for this method; retry after a "
                    "backoff",
                    gate.limits_.method(method_), gate.limits_.limit(method_)));
  }
}

grpc::Status ServedCall::finish(grpc::Status status) {
  // The slot goes with the answer: a callback call's ServedCall outlives its Finish.
  slot_.reset();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  gate_.metrics_.record_call(method_, status.error_code(), mode_, seconds);
  const spdlog::level::level_enum level =
      server_fault(status.error_code()) ? spdlog::level::err : spdlog::level::debug;
  log_event(level, status.ok() ? "call" : "call failed",
            {{"request_id", request_id_},
             {"method", gate_.limits_.method(method_)},
             {"code", std::string(metrics::status_code_name(status.error_code()))},
             {"ms", fmt::format("{:.3f}", seconds * 1e3)},
             {"error", status.error_message()}});
  return status;
}

}  // namespace feedrank::api::serving
