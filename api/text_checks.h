// Field checks shared by the request converters. Each returns an INVALID_ARGUMENT status whose
// message starts with the field name, or OK.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace feedrank::api {

inline constexpr std::size_t kMaxBatchItems = 10'000;
inline constexpr std::size_t kMaxTextBytes = 4096;
inline constexpr std::size_t kMaxHandleBytes = 64;

absl::Status invalid(std::string_view field, std::string_view why);

absl::Status check_id(std::string_view field, std::uint64_t id);
absl::Status check_time(std::string_view field, std::int64_t ms);
// Non-empty, at most `max_bytes`, valid UTF-8; `single_line` also forbids control characters.
absl::Status check_text(std::string_view field, std::string_view text, std::size_t max_bytes,
                        bool single_line);
absl::Status check_batch_size(std::string_view field, std::size_t size);

bool is_valid_utf8(std::string_view text);

}  // namespace feedrank::api
