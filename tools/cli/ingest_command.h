// The shared body of `load` and `load-lastfm`: connect, stream, report.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "tools/cli/ingest_uploader.h"

namespace feedrank::cli {

// Adds records to the uploader; returns a message for stderr if it had to stop early.
using RecordProducer = std::function<std::optional<std::string>(IngestUploader& uploader)>;

// Streams what `produce` adds to the server at `server`, with progress on stderr, then prints
// the counts the server acknowledged on stdout ("users: 2000" lines) followed by `print_more`.
// Returns the exit status: 1 if the server failed the call or the producer stopped early.
int run_ingest(const std::string& server, const RecordProducer& produce,
               const std::function<void(std::ostream&)>& print_more = {});

}  // namespace feedrank::cli
