// Request ids: a caller's own (metadata `x-request-id`) when it is a sensible token, else one
// made here, so that a caller's logs and ours can be joined on it.
#pragma once

#include <string>
#include <string_view>

namespace feedrank::api::serving {

inline constexpr std::string_view kRequestIdHeader = "x-request-id";

// A caller's id is kept when it is 1..128 characters of [A-Za-z0-9._:/+=-]; anything else (which
// could forge log lines) is replaced.
bool acceptable_request_id(std::string_view id);

// 16 hex digits, unique within the process and unlikely to repeat across processes.
std::string new_request_id();

}  // namespace feedrank::api::serving
