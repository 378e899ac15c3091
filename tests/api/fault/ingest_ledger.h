// What an Ingest writer sent and what the server acknowledged, and the check of a (restarted)
// server against it. An Ingest call acknowledges its chunks together, with the summary at the end
// of the stream (feedrank.proto); each chunk is applied atomically and in order. So after a crash:
// every chunk of an acknowledged stream is whole, and of a stream cut short, a prefix of its
// chunks is whole and the rest absent: never a chunk half there.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "feedrank/v1/feedrank.pb.h"
#include "tests/api/test_client.h"

namespace feedrank::api_test {

// The user every chunk refers to (it follows them, engages with their first post).
inline constexpr std::uint64_t kLedgerAnchorUser = 1;

struct LedgerCheck {
  std::uint64_t whole_chunks = 0;             // acknowledged, or found whole before
  std::uint64_t unacknowledged_present = 0;   // resolved by this check: landed whole
  std::uint64_t unacknowledged_absent = 0;    // resolved by this check: not there at all
  std::vector<std::string> problems;          // empty: the server holds what it should
};

class IngestLedger {
 public:
  // Posts of `text_bytes` (at least their id's text) make chunks large enough to be cut mid-way.
  explicit IngestLedger(int posts_per_chunk, std::size_t text_bytes = 0)
      : posts_per_chunk_(posts_per_chunk), text_bytes_(text_bytes) {}

  // The user of chunk `index`: their chronological feed is the chunk's posts.
  static std::uint64_t chunk_user(std::uint64_t index);
  // Chunk `index`: a user, posts_per_chunk posts by them, their follow of the anchor and the
  // anchor's like of their first post; every chunk's records are distinct from every other's.
  v1::IngestRequest chunk(std::uint64_t index) const;

  // A stream starts: the index of its first chunk.
  std::uint64_t begin_stream();
  // About to send chunk `index` of the stream begun last: from now it may land.
  void mark_sent(std::uint64_t index);
  // The stream begun last got its summary: every chunk it sent is acknowledged.
  void acknowledge_stream();

  std::uint64_t acknowledged_chunks() const;
  // Chunks sent but not acknowledged (the stream in flight at a crash), not checked yet.
  std::uint64_t pending_chunks() const;

  // Reads the server through `client`: every acknowledged chunk (and every one found whole
  // before) is whole, none found absent before appeared, each pending chunk is whole or absent
  // and the whole ones are a prefix of their stream, and the store's counts are exactly what
  // the whole chunks add up to. Pending chunks are settled as found.
  LedgerCheck check(TestClient& client);

 private:
  enum class Fate { kPending, kWhole, kAbsent };
  struct Chunk {
    std::uint64_t stream = 0;
    Fate fate = Fate::kPending;
  };
  // Whole, absent or "partial: <what>" for chunk `index` as the server has it.
  std::string probe(TestClient& client, std::uint64_t index) const;

  const int posts_per_chunk_;
  const std::size_t text_bytes_;
  mutable std::mutex mutex_;
  std::vector<Chunk> chunks_;  // by index: every chunk ever sent
  std::uint64_t acknowledged_ = 0;
  std::uint64_t streams_ = 0;
  std::uint64_t stream_first_chunk_ = 0;
};

}  // namespace feedrank::api_test
