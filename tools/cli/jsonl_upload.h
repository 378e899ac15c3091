// Feeding a JSON Lines stream into an IngestUploader.
#pragma once

#include <istream>
#include <optional>
#include <string>

#include "tools/cli/ingest_uploader.h"

namespace feedrank::cli {

// Parses `in` line by line (lines numbered from 1; blank lines skipped) and adds each record to
// `uploader`. Stops at the first malformed line, returning "line N: <reason>": every line before
// it has been added, none after it. Also stops, returning nothing, once the uploader fails.
std::optional<std::string> upload_jsonl(std::istream& in, IngestUploader& uploader);

}  // namespace feedrank::cli
