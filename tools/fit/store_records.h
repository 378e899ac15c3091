// Reads the store of a stopped server (its --data-dir) back as IngestRecords, in an order that is
// valid to write again: users, posts by time, follows, engagements by time, then deletes. The
// store keeps current state, not the events: unfollowed edges are gone, a deleted post comes back
// as a post (text "(deleted)": the store kept none) and its delete, and post vectors are left
// for the engine to derive from the text again.
#pragma once

#include <filesystem>

#include "absl/status/statusor.h"
#include "tools/replay/replay_records.h"

namespace feedrank::fit {

inline constexpr char kDeletedPostText[] = "(deleted)";

// NOT_FOUND when the directory does not exist; FAILED_PRECONDITION when the store cannot be
// opened (for instance a server still has it open).
absl::StatusOr<replay::LoadedRecords> read_store_records(const std::filesystem::path& data_dir);

}  // namespace feedrank::fit
