// URL query parameters -> a request message, by the message's own field names
// (GET /v1/feed?user_id=5&mode=algorithmic&explain=true), so that one function serves every
// route and a new proto field is a new parameter with no gateway change.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace google::protobuf {
class Message;
}

namespace feedrank::api::http {

// The query of a request target ("/v1/feed?user_id=5&mode=algorithmic"): every name=value pair
// as sent, %-escapes and '+' decoded, the value everything after the first '='. httplib's own
// parse drops a pair sent twice and cuts "limit=5=6" to limit=5, so a malformed query was read
// as another, well-formed one instead of refused.
std::multimap<std::string, std::string> query_params(std::string_view target);

// Sets `message`'s scalar fields from `params` (a name may repeat, or hold comma-separated
// values, for a repeated field). Enums take the value's name, whole (FEED_MODE_ALGORITHMIC) or
// without the enum's prefix, in any case (algorithmic). INVALID_ARGUMENT naming the parameter
// for an unknown name, a malformed or out-of-range value, or a repeated scalar field.
absl::Status fill_from_query(const std::multimap<std::string, std::string>& params,
                             google::protobuf::Message& message);

}  // namespace feedrank::api::http
