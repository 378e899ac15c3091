#include "tests/api/grpc_probes.h"

#include <grpcpp/generic/generic_stub.h>
// Serialisation of protobuf messages for the typed generic stub.
#include <grpcpp/impl/codegen/proto_utils.h>

#include <chrono>
#include <future>

namespace feedrank::api_test {
namespace {

constexpr auto kDeadline = std::chrono::seconds(20);
constexpr char kHealthCheck[] = "/grpc.health.v1.Health/Check";
constexpr char kReflectionInfo[] = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

void set_deadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() + kDeadline);
}

// Waits for the next event of a completion queue that runs one operation at a time.
bool next_event(grpc::CompletionQueue& queue) {
  void* tag = nullptr;
  bool ok = false;
  return queue.Next(&tag, &ok) && ok;
}

// One request and its one answer over the bidirectional reflection stream.
grpc::Status reflect(const std::shared_ptr<grpc::Channel>& channel,
                     const probes::ServerReflectionRequest& request,
                     probes::ServerReflectionResponse* response) {
  grpc::TemplatedGenericStub<probes::ServerReflectionRequest, probes::ServerReflectionResponse>
      stub(channel);
  grpc::ClientContext context;
  set_deadline(context);
  grpc::CompletionQueue queue;
  auto call = stub.PrepareCall(&context, kReflectionInfo, &queue);
  void* const tag = call.get();  // one operation at a time: any tag will do
  call->StartCall(tag);
  bool exchanged = next_event(queue);
  if (exchanged) {
    call->Write(request, tag);
    exchanged = next_event(queue);
  }
  if (exchanged) {
    call->Read(response, tag);
    exchanged = next_event(queue);
  }
  call->WritesDone(tag);
  next_event(queue);
  grpc::Status status;
  call->Finish(&status, tag);
  next_event(queue);
  queue.Shutdown();
  while (next_event(queue)) {
  }
  if (status.ok() && !exchanged) return grpc::Status(grpc::UNKNOWN, "reflection: no answer");
  if (status.ok() && response->has_error_response()) {
    return grpc::Status(static_cast<grpc::StatusCode>(response->error_response().error_code()),
                        response->error_response().error_message());
  }
  return status;
}

}  // namespace

grpc::Status check_health(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                          probes::HealthCheckResponse* response) {
  grpc::TemplatedGenericStub<probes::HealthCheckRequest, probes::HealthCheckResponse> stub(channel);
  grpc::ClientContext context;
  set_deadline(context);
  probes::HealthCheckRequest request;
  request.set_service(service);
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, kHealthCheck, grpc::StubOptions(), &request, response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  return done.get_future().get();
}

grpc::Status list_services(const std::shared_ptr<grpc::Channel>& channel,
                           std::vector<std::string>* names) {
  probes::ServerReflectionRequest request;
  request.set_list_services("");
  probes::ServerReflectionResponse response;
  grpc::Status status = reflect(channel, request, &response);
  for (const auto& service : response.list_services_response().service()) {
    names->push_back(service.name());
  }
  return status;
}

grpc::Status file_containing_symbol(const std::shared_ptr<grpc::Channel>& channel,
                                    const std::string& symbol,
                                    std::vector<google::protobuf::FileDescriptorProto>* files) {
  probes::ServerReflectionRequest request;
  request.set_file_containing_symbol(symbol);
  probes::ServerReflectionResponse response;
  grpc::Status status = reflect(channel, request, &response);
  for (const auto& bytes : response.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    if (!file.ParseFromString(bytes)) return grpc::Status(grpc::DATA_LOSS, "bad descriptor");
    files->push_back(std::move(file));
  }
  return status;
}

grpc::Status call_with_bytes(const std::shared_ptr<grpc::Channel>& channel,
                             const std::string& method, const std::string& request,
                             std::string* response) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  set_deadline(context);
  grpc::Slice slice(request);
  grpc::ByteBuffer request_bytes(&slice, 1);
  grpc::ByteBuffer response_bytes;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request_bytes, &response_bytes,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  grpc::Status status = done.get_future().get();
  std::vector<grpc::Slice> slices;
  response->clear();
  if (status.ok() && response_bytes.Dump(&slices).ok()) {
    for (const grpc::Slice& part : slices) {
      response->append(reinterpret_cast<const char*>(part.begin()), part.size());
    }
  }
  return status;
}

}  // namespace feedrank::api_test
