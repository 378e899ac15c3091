// Posts in memory: metadata by id, each author's posts sorted by time, each author's
// followers-only posts, engagement counters. Deleted posts stay as tombstones (so a re-sent
// create stays a no-op) but leave the timelines and followers-only lists.
// Not thread-safe: FeedStore guards it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/batch_prefetch.h"
#include "common/grow_aside.h"
#include "common/chunked_vector.h"
#include "store/durable_store.h"
#include "store/records.h"

namespace feedrank::store {

// Position of a post in time order: newer is greater; equal times order by id.
struct TimelineEntry {
  TimestampMs created_at = 0;
  PostId id = 0;
  friend auto operator<=>(const TimelineEntry&, const TimelineEntry&) = default;
};

// A post as the catalog keeps it. Its text and hashtags share one heap block (a std::string and
// a vector of strings cost a post three blocks and about 80 bytes of object and headers); the
// embedding is never kept here (vectors live in ranker/vectors' table).
class PostView {
 public:
  PostId id = 0;
  UserId author = 0;
  TimestampMs created_at = 0;
  Sequence sequence = 0;
  // 32-bit counts save 16 bytes a post. A count stops at 4,294,967,295, far past the
  // engagements of one post that the in-memory history (24 bytes each) could hold.
  std::array<std::uint32_t, kEngagementKindCount> engagement_counts{};
  Visibility visibility = Visibility::kPublic;
  bool deleted = false;
  // The writer supplied the embedding: a re-embedding keeps it.
  bool embedding_supplied = false;

  // Empty once deleted.
  std::string_view text() const { return {bytes_.get(), text_size_}; }
  std::vector<std::string> hashtags() const;
  // The post as written, without its embedding: for answers and write-backs.
  Post to_post() const;

 private:
  friend class PostCatalog;
  // Keeps `post`'s fields; its text and hashtags unless `deleted`.
  void assign(const Post& post, bool deleted);
  std::size_t block_bytes() const { return std::size_t{text_size_} + hashtags_size_; }

  // The text, then each hashtag as a 4-byte length and its bytes.
  std::unique_ptr<char[]> bytes_;
  std::uint32_t text_size_ = 0;
  std::uint32_t hashtags_size_ = 0;
};

class PostCatalog {
 public:
  // Inserts or replaces a post (a tombstone when `deleted`).
  void put(const StoredPost& stored);
  void count_engagement(PostId post, EngagementKind kind);

  // A writer's room for up to `new_posts` more posts, made before it locks readers out: a copy
  // of the id map grown aside when they would rehash it (common/grow_aside.h). Only reads.
  class Room {
    friend class PostCatalog;
    std::optional<GrownAsideMap<PostId, std::size_t>> index_;
  };
  Room make_room(std::size_t new_posts) const;
  // Under the writer's exclusive lock, before the puts: swaps the grown map in; `room` then
  // holds the old one, to be freed once the lock is released.
  void take_room(Room& room);

  const PostView* find(PostId id) const;
  // Hints in a batch (common/batch_prefetch.h): before put() of a post that is likely new (its
  // id's slot, its author's timeline), and before count_engagement() or a delete (its view).
  void prefetch_new(PostId id, UserId author, PrefetchStep step) const;
  void prefetch_existing(PostId id, PrefetchStep step) const;
  // Ascending by (created_at, id); live posts only.
  std::span<const TimelineEntry> timeline(UserId author) const;
  // The author's `newest` latest live posts created at or before `now`, ascending.
  std::span<const TimelineEntry> newest_until(UserId author, TimestampMs now,
                                              std::size_t newest) const;
  // The author's live FOLLOWERS posts, ascending by id (what retrieval adds for their followers,
  // without walking the whole timeline).
  std::span<const PostId> followers_only(UserId author) const;
  std::size_t live_count() const { return live_count_; }
  // Live posts turned into tombstones so far: a reader that let the lock go can tell whether any
  // post it found meanwhile may have been deleted.
  std::uint64_t deletes_applied() const { return deletes_applied_; }
  // Heap bytes (common/memory_bytes.h): the posts with their texts and hashtags, and the
  // per-author timelines (followers-only lists included).
  std::size_t posts_memory_bytes() const;
  std::size_t timelines_memory_bytes() const;
  std::uint64_t engagement_count() const { return engagement_count_; }

 private:
  // Takes a live post out of its author's timeline and followers-only list.
  void unlink(const PostView& post);

  // Views live in stable storage and the hash map holds only indexes: growing the map then
  // moves 16-byte slots, not whole posts, so writers hold the readers' lock briefly.
  ChunkedVector<PostView> views_;
  GrownAsideMap<PostId, std::size_t> index_;
  // Only the writer's make_room() uses it, while readers read index_ (common/grow_aside.h).
  mutable MapGrower<GrownAsideMap<PostId, std::size_t>> index_grower_;
  absl::flat_hash_map<UserId, std::vector<TimelineEntry>> timelines_;
  absl::flat_hash_map<UserId, std::vector<PostId>> followers_only_;
  std::size_t live_count_ = 0;
  // The views' text and hashtag blocks, kept as they change: GetStats does not walk every view.
  std::size_t text_block_bytes_ = 0;
  std::uint64_t deletes_applied_ = 0;
  std::uint64_t engagement_count_ = 0;
};

}  // namespace feedrank::store
