// Clients of the standard gRPC health and reflection services, as grpcurl or a load balancer
// would call them (real method paths, generic stub, wire-compatible messages), and a unary call
// of any method with bytes as they come (what a client with another protobuf library may send).
#pragma once

#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "grpc_probes.pb.h"

namespace feedrank::api_test {

namespace probes = ::feedrank::testing::probes;

// grpc.health.v1.Health/Check for `service` ("" asks about the server as a whole).
grpc::Status check_health(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                          probes::HealthCheckResponse* response);

// The full names of the services the server lists through reflection.
grpc::Status list_services(const std::shared_ptr<grpc::Channel>& channel,
                           std::vector<std::string>* names);

// The file descriptors reflection returns for a symbol (e.g. "feedrank.v1.FeedRank").
grpc::Status file_containing_symbol(const std::shared_ptr<grpc::Channel>& channel,
                                    const std::string& symbol,
                                    std::vector<google::protobuf::FileDescriptorProto>* files);

// The unary method at `method` (e.g. "/feedrank.v1.FeedRank/GetFeed") called with `request` as
// its message's bytes; the answer's bytes in `response`.
grpc::Status call_with_bytes(const std::shared_ptr<grpc::Channel>& channel,
                             const std::string& method, const std::string& request,
                             std::string* response);

}  // namespace feedrank::api_test
