// Loads the world's past into the server with one Ingest stream: users (viewers, then authors),
// follows, the history's posts and the viewers' likes before the start, in an order the server
// can apply (nothing refers to a record that comes later).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "feedrank/v1/feedrank.pb.h"
#include "tools/simulate/world.h"

namespace feedrank::simulate {

// Sends every post the world holds: call before the first publish(). Returns the server's counts.
absl::StatusOr<v1::IngestResponse> load_history(const World& world, const std::string& target,
                                                const std::shared_ptr<grpc::Channel>& channel);

}  // namespace feedrank::simulate
