// The offline replay from start to end: load the records, cut them, write the history into an
// in-process engine, make every viewer's list of every kind and score them.
#pragma once

#include <functional>
#include <string_view>

#include "absl/status/statusor.h"
#include "tools/replay/replay_report.h"

namespace feedrank::replay {

using ProgressLog = std::function<void(std::string_view line)>;

// INVALID_ARGUMENT for options run_replay would refuse before loading anything (k, the vector
// spaces, the compared configs, the reference list's name), so that a caller with work to do
// first (a fit) can refuse them at once.
absl::Status check_replay_options(const ReplayOptions& options);

// Errors: check_replay_options's, unreadable input, no cut to be had, a history the engine
// rejects. A feed mode the engine cannot serve (e.g. UNIMPLEMENTED) is not an error: its row says
// why it has no values.
absl::StatusOr<ReplayReport> run_replay(const ReplayOptions& options,
                                        const ProgressLog& progress = {});

}  // namespace feedrank::replay
