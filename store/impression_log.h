// The impression log: every feed page served, item by item (who saw which post, where, in which
// experiment arm and from which source), kept durably so that engagements arriving later can be
// attributed to what was shown. Its own RocksDB database beside the store's (a directory of its
// own): impressions never slow or bloat the feed data, and can be archived apart.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/records.h"

namespace feedrank::store {

struct Impression {
  std::uint64_t request_id = 0;  // the page's id (GetFeedResponse.request_id), non-zero
  UserId viewer = 0;
  std::string experiment;  // empty: the viewer was in no experiment
  std::string arm;         // empty with no experiment
  PostId post = 0;
  UserId author = 0;
  TimestampMs post_created_at = 0;
  std::uint32_t position = 0;  // 0-based position in the whole feed (page offset included)
  std::uint8_t mode = 0;       // ranker::FeedMode as a number
  std::uint8_t source = 0;     // ranker::CandidateSource as a number
  std::uint8_t team = 0;       // ranker::InterleavingTeam as a number (0: not interleaved)
  bool in_network = false;     // the author was the viewer or an account they followed, then
  TimestampMs served_at = 0;   // the request's now (its as_of_ms when set)
};

class ImpressionLog {
 public:
  virtual ~ImpressionLog() = default;

  // Appends one page's impressions atomically; returns once they are in the write-ahead log
  // (synced when ImpressionLogOptions::sync_each_page). An empty page writes nothing. A page is
  // one request: its impressions share request_id (non-zero), served_at, experiment, arm, viewer
  // and mode, and no two have the same position; INVALID_ARGUMENT otherwise, nothing written.
  virtual absl::Status append(std::span<const Impression> page) = 0;

  // Visits every impression of `experiment` ("" : those in no experiment) in
  // (served_at, request_id, position) order.
  virtual absl::Status scan(std::string_view experiment,
                            absl::FunctionRef<void(const Impression&)> visit) const = 0;

  // How many impressions are stored (all experiments), for stats.
  virtual std::uint64_t count() const = 0;
};

// How durable an appended page is. By default it is written to the operating system before
// append returns (a crash or kill -9 of the server loses nothing) and synced to disk every
// sync_interval (a power cut loses at most that much); sync_each_page syncs before append returns
// (survives a power cut too, at the cost of one fsync per page, shared by concurrent appends).
struct ImpressionLogOptions {
  bool sync_each_page = false;
  std::chrono::milliseconds sync_interval{1000};
};

// Opens (creating if needed) the log in `directory`. One-line errors as open_rocksdb_store's.
absl::StatusOr<std::unique_ptr<ImpressionLog>> open_rocksdb_impression_log(
    const std::string& directory, ImpressionLogOptions options = {});

}  // namespace feedrank::store
