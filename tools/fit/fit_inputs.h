// What the fit reads: the replay's inputs (JSON Lines, Last.fm, synthetic) or a server's store,
// and the short name a fitted config's version carries.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "tools/fit/fit_options.h"
#include "tools/replay/replay_records.h"

namespace feedrank::fit {

absl::StatusOr<replay::LoadedRecords> load_fit_records(const FitOptions& options);

// "lastfm-2k" (the folder), "corpus" (corpus.jsonl), "synthetic-2000-20000-1", "feedrank-data".
std::string input_name(const FitOptions& options);

}  // namespace feedrank::fit
