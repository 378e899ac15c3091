// A call's message read from and written to its bytes by the service itself. gRPC's own parse of
// a request that does not parse (a string field that is not UTF-8, which a C++ client can send)
// ends a callback method's call with UNIMPLEMENTED and no message, and a stream's reads as if it
// had ended; reading the bytes here lets the service say what was wrong.
#pragma once

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/byte_buffer.h>

#include <string>
#include <string_view>

namespace feedrank::api::serving {

// Whether `bytes` hold a `Message`, parsed into `message`. Consumes `bytes` (its memory goes as
// soon as it is parsed); a caller whose buffer is const parses a copy, which shares the slices.
template <class Message>
bool parse_message(grpc::ByteBuffer& bytes, Message& message) {
  return grpc::SerializationTraits<Message>::Deserialize(&bytes, &message).ok();
}

// The INVALID_ARGUMENT message for a request that did not parse as `Message`.
template <class Message>
std::string unparsed(std::string_view what_was_done) {
  return "request: does not parse as a " + Message::descriptor()->full_name() +
         " (is every string valid UTF-8?); " + std::string(what_was_done);
}

// `message` as bytes into `bytes` (INTERNAL when it cannot be).
template <class Message>
grpc::Status write_message(const Message& message, grpc::ByteBuffer& bytes) {
  bool own_buffer = false;
  return grpc::SerializationTraits<Message>::Serialize(message, &bytes, &own_buffer);
}

}  // namespace feedrank::api::serving
