// Timestamps for people: ISO-8601 in UTC.
#pragma once

#include <cstdint>
#include <string>

namespace feedrank::cli {

// Milliseconds since the Unix epoch -> "2024-01-31T23:59:07Z" (whole seconds, rounded down).
std::string format_iso8601_utc(std::int64_t ms);

}  // namespace feedrank::cli
