// The JSON gateway's query parsing on arbitrary bytes after "?": the pairs it reads, then each
// GET route's request filled from them and checked as the service would. Nothing may crash; the
// pairs, escaped again byte for byte, read back as the same pairs; a refusal is INVALID_ARGUMENT
// with a message that starts with a name (an empty or odd one quoted); a filled request
// serializes (every string field valid UTF-8, as gRPC needs) and parses back equal, and the
// service's own conversion refuses it with a field path or takes it.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "api/feed_conversion.h"
#include "api/http/query_to_proto.h"
#include "feedrank/v1/feedrank.pb.h"
#include "fuzz/fuzz_check.h"

namespace {

namespace v1 = feedrank::v1;
using Params = std::multimap<std::string, std::string>;

constexpr feedrank::TimestampMs kNow = 1'780'000'000'000;

// Every byte as %XX: the one spelling whose decoding cannot depend on the decoder's leniency.
std::string escaped(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// Fills a `Request` from `params`; the filled request round-trips through the wire format.
template <typename Request>
bool filled(const Params& params, Request& request) {
  const absl::Status status = feedrank::api::http::fill_from_query(params, request);
  if (!status.ok()) {
    check_refusal_names_a_field(status);
    return false;
  }
  std::string wire;
  FUZZ_CHECK(request.SerializeToString(&wire), "a filled request serializes");
  Request back;
  FUZZ_CHECK(back.ParseFromString(wire), "and parses back");
  FUZZ_CHECK(back.SerializeAsString() == wire, "to the same request");
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string query(reinterpret_cast<const char*>(bytes), size);
  const Params params = feedrank::api::http::query_params("/v1/feed?" + query);

  std::string again = "/v1/feed?";
  for (const auto& [name, value] : params) again += escaped(name) + "=" + escaped(value) + "&";
  FUZZ_CHECK(feedrank::api::http::query_params(again) == params,
             "the pairs, escaped again, read back the same");

  if (v1::GetFeedRequest feed; filled(params, feed)) {
    const auto converted = feedrank::api::to_feed_request(feed);
    if (!converted.ok()) check_refusal_names_a_field(converted.status());
  }
  if (v1::GetNearestPostsRequest nearest; filled(params, nearest)) {
    const auto converted = feedrank::api::to_nearest_request(nearest, 128, kNow);
    if (!converted.ok()) check_refusal_names_a_field(converted.status());
  }
  v1::GetUserRequest user;
  filled(params, user);
  v1::GetPostRequest post;
  filled(params, post);
  v1::GetExperimentReportRequest report;
  filled(params, report);
  v1::GetStatsRequest stats;
  filled(params, stats);
  return 0;
}
