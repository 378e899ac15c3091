// One JSON Lines line <-> one IngestRecord. A line is an object with "type" (user, post, follow,
// unfollow, delete_post, engagement) and the snake_case fields of that record's message.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "feedrank/v1/feedrank.pb.h"

namespace feedrank::datasets {

// Parses one line. Never throws: a bad line gives INVALID_ARGUMENT naming the problem (invalid
// JSON, unknown type, missing or unknown field, wrong type, unknown enum value). Values are not
// range-checked here (zero ids, empty text): the server validates them.
absl::StatusOr<v1::IngestRecord> parse_jsonl_record(std::string_view line);

// Serialises a record as one line, without the trailing newline, "type" first. Visibility is
// always written (UNSPECIFIED as "public"), an unfollow's time only when set, the embedding only
// when not empty. Invalid UTF-8 in text becomes U+FFFD; a record with nothing set gives "{}",
// which does not parse back.
std::string to_jsonl_line(const v1::IngestRecord& record);

}  // namespace feedrank::datasets
