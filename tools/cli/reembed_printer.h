// A re-embedding's progress for people (`feedrank stats`, `feedrank reembed`) and for scripts
// (stats --json).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "feedrank/v1/feedrank.pb.h"

namespace feedrank::cli {

// "running: 40960/1000000 rows, 39871 vectors changed, 12.3 s", "done: ...", or
// "failed after ...: <error>".
std::string reembed_summary(const v1::ReembedProgress& progress);

// The proto's fields by their names.
nlohmann::ordered_json reembed_json(const v1::ReembedProgress& progress);

}  // namespace feedrank::cli
