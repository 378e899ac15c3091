// Reads the replay's input (a JSON Lines file, the Last.fm folder or the synthetic corpus) into
// memory, in the order it comes, with a line saying what it was.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "feedrank/v1/feedrank.pb.h"
#include "tools/replay/replay_options.h"

namespace feedrank::replay {

// Where records without a time (unfollows without one, every delete) happened.
enum class UndatedRecords {
  kWhereTheyStand,  // the input is in time order: where they stand in it (a JSON Lines file)
  kBeforeAnyCut,    // nothing says when (a store's deletes, read after everything else): history
};

struct LoadedRecords {
  std::vector<v1::IngestRecord> records;
  std::string description;  // e.g. "Last.fm HetRec 2011 (../shared/data/lastfm-2k)"
  UndatedRecords undated = UndatedRecords::kWhereTheyStand;
};

// NOT_FOUND for a missing file or folder; INVALID_ARGUMENT naming the line of a bad JSON line.
absl::StatusOr<LoadedRecords> load_replay_records(const ReplaySource& source);

}  // namespace feedrank::replay
