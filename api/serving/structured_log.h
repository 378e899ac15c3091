// The server's log: spdlog's default logger, as text lines or JSON objects (--log-format), with
// a level (--log-level). Events about a request carry fields (request_id, method, code, ...):
// text lines end with them as key=value pairs, JSON objects hold them as keys.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "spdlog/common.h"

namespace feedrank::api::serving {

enum class LogFormat { kText, kJson };

// "text" | "json"; false for anything else.
bool parse_log_format(std::string_view text, LogFormat& out);

// Sets the default logger's level and line format; INVALID_ARGUMENT naming --log-level for an
// unknown level (trace, debug, info, warn, error, critical, off).
absl::Status configure_logging(std::string_view level, LogFormat format);

using LogField = std::pair<std::string_view, std::string>;

// Logs `message` with `fields` (those with empty values left out) at `level` on the default
// logger.
void log_event(spdlog::level::level_enum level, std::string_view message,
               std::initializer_list<LogField> fields);

}  // namespace feedrank::api::serving
