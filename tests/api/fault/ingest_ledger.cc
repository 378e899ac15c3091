#include "tests/api/fault/ingest_ledger.h"

#include "tests/api/test_records.h"

namespace feedrank::api_test {
namespace {

constexpr std::uint64_t kFirstChunkUser = 1'000'000;
constexpr std::uint64_t kFirstChunkPost = 10'000'000;

constexpr std::string_view kWhole = "whole";
constexpr std::string_view kAbsent = "absent";

}  // namespace

std::uint64_t IngestLedger::chunk_user(std::uint64_t index) { return kFirstChunkUser + index; }

v1::IngestRequest IngestLedger::chunk(std::uint64_t index) const {
  const std::uint64_t author = chunk_user(index);
  const std::uint64_t first_post = kFirstChunkPost + index * posts_per_chunk_;
  std::vector<v1::IngestRecord> records = {user_record(author)};
  for (int i = 0; i < posts_per_chunk_; ++i) {
    v1::Post p = post(first_post + i, author, 1000 + static_cast<std::int64_t>(i));
    while (p.text().size() + 6 <= text_bytes_) p.mutable_text()->append(" words");
    records.push_back(post_record(p));
  }
  records.push_back(follow_record(author, kLedgerAnchorUser));
  records.push_back(engagement_record(engagement(kLedgerAnchorUser, first_post)));
  return api_test::chunk(std::move(records));
}

std::uint64_t IngestLedger::begin_stream() {
  std::lock_guard lock(mutex_);
  ++streams_;
  stream_first_chunk_ = chunks_.size();
  return stream_first_chunk_;
}

void IngestLedger::mark_sent(std::uint64_t index) {
  std::lock_guard lock(mutex_);
  if (index >= chunks_.size()) chunks_.resize(index + 1);
  chunks_[index].stream = streams_;
}

void IngestLedger::acknowledge_stream() {
  std::lock_guard lock(mutex_);
  for (std::uint64_t i = stream_first_chunk_; i < chunks_.size(); ++i) {
    chunks_[i].fate = Fate::kWhole;
    ++acknowledged_;
  }
}

std::uint64_t IngestLedger::acknowledged_chunks() const {
  std::lock_guard lock(mutex_);
  return acknowledged_;
}

std::uint64_t IngestLedger::pending_chunks() const {
  std::lock_guard lock(mutex_);
  std::uint64_t n = 0;
  for (const Chunk& c : chunks_) n += c.fate == Fate::kPending;
  return n;
}

std::string IngestLedger::probe(TestClient& client, std::uint64_t index) const {
  // The chunk's user's chronological feed is exactly its posts (the anchor it follows posts
  // nothing); an unknown user is NOT_FOUND.
  v1::GetFeedRequest request;
  request.set_user_id(chunk_user(index));
  request.set_mode(v1::FEED_MODE_CHRONOLOGICAL);
  request.set_limit(posts_per_chunk_ + 1);
  const auto reply = client.call(request);
  if (reply.status.error_code() == grpc::StatusCode::NOT_FOUND) return std::string(kAbsent);
  if (!reply.status.ok()) return "unreadable: " + reply.status.error_message();
  const std::uint64_t first_post = kFirstChunkPost + index * posts_per_chunk_;
  int own = 0;
  for (const auto& item : reply.response.items()) {
    own += item.post_id() >= first_post && item.post_id() < first_post + posts_per_chunk_;
  }
  if (own == posts_per_chunk_ && reply.response.items_size() == posts_per_chunk_) {
    return std::string(kWhole);
  }
  return "partial: the user and " + std::to_string(own) + " of " +
         std::to_string(posts_per_chunk_) + " posts";
}

LedgerCheck IngestLedger::check(TestClient& client) {
  std::lock_guard lock(mutex_);
  LedgerCheck out;
  auto problem = [&](std::uint64_t index, const std::string& what) {
    out.problems.push_back("chunk " + std::to_string(index) + " (stream " +
                           std::to_string(chunks_[index].stream) + "): " + what);
  };
  // The last stream whose chunk was found absent: a later chunk of it may not be whole.
  std::uint64_t stream_with_gap = 0;
  for (std::uint64_t i = 0; i < chunks_.size(); ++i) {
    Chunk& chunk = chunks_[i];
    const std::string found = probe(client, i);
    switch (chunk.fate) {
      case Fate::kWhole:
        if (found != kWhole) problem(i, "acknowledged, but " + found);
        break;
      case Fate::kAbsent:
        if (found != kAbsent) problem(i, "absent after an earlier crash, now " + found);
        break;
      case Fate::kPending:
        if (found == kWhole) {
          if (stream_with_gap == chunk.stream) problem(i, "whole after an absent earlier chunk");
          chunk.fate = Fate::kWhole;
          ++out.unacknowledged_present;
        } else if (found == kAbsent) {
          stream_with_gap = chunk.stream;
          chunk.fate = Fate::kAbsent;
          ++out.unacknowledged_absent;
        } else {
          problem(i, "unacknowledged and " + found);
        }
        break;
    }
    out.whole_chunks += chunk.fate == Fate::kWhole;
  }
  // Nothing outside the whole chunks: no orphaned post, follow or engagement of a chunk whose
  // user is absent.
  const auto stats = client.call(v1::GetStatsRequest());
  if (!stats.status.ok()) {
    out.problems.push_back("GetStats: " + stats.status.error_message());
    return out;
  }
  const std::uint64_t whole = out.whole_chunks;
  const auto expect_count = [&](const char* what, std::uint64_t got, std::uint64_t want) {
    if (got != want) {
      out.problems.push_back(std::string(what) + ": the store has " + std::to_string(got) +
                             ", the whole chunks add up to " + std::to_string(want));
    }
  };
  expect_count("users", stats.response.users(), whole + 1);
  expect_count("posts", stats.response.posts(), whole * posts_per_chunk_);
  expect_count("follows", stats.response.follows(), whole);
  expect_count("engagements", stats.response.engagements(), whole);
  return out;
}

}  // namespace feedrank::api_test
