// Durations on the server's command line: "6h", "30m", "90s", "500ms", "1d", or "0" (off).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace feedrank::server {

// A whole number followed by one unit (ms, s, m, h, d), at most 366 days, or a bare "0". On
// failure returns false and says why in `error` (e.g. "\"6x\": unknown unit \"x\" (use ms, s,
// m, h or d)").
bool parse_duration(std::string_view text, std::chrono::milliseconds& out, std::string& error);

}  // namespace feedrank::server
