#include "store/post_catalog.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "common/grow_aside.h"
#include "common/memory_bytes.h"

namespace feedrank::store {

namespace {

constexpr std::size_t kTagLengthBytes = sizeof(std::uint32_t);

}  // namespace

void PostView::assign(const Post& post, bool deleted) {
  id = post.id;
  author = post.author;
  created_at = post.created_at;
  visibility = post.visibility;
  embedding_supplied = post.embedding_supplied;
  this->deleted = deleted;
  std::size_t tags_size = 0;
  if (!deleted) {
    for (const std::string& tag : post.hashtags) tags_size += kTagLengthBytes + tag.size();
  }
  const std::size_t size = deleted ? 0 : post.text.size() + tags_size;
  if (size == 0) {
    bytes_.reset();
  } else {
    bytes_ = std::make_unique_for_overwrite<char[]>(size);
    char* out = std::copy(post.text.begin(), post.text.end(), bytes_.get());
    for (const std::string& tag : post.hashtags) {
      const auto length = static_cast<std::uint32_t>(tag.size());
      std::memcpy(out, &length, kTagLengthBytes);
      out = std::copy(tag.begin(), tag.end(), out + kTagLengthBytes);
    }
  }
  text_size_ = deleted ? 0 : static_cast<std::uint32_t>(post.text.size());
  hashtags_size_ = static_cast<std::uint32_t>(tags_size);
}

std::vector<std::string> PostView::hashtags() const {
  std::vector<std::string> tags;
  const char* in = bytes_.get() + text_size_;
  const char* const end = in + hashtags_size_;
  while (in < end) {
    std::uint32_t length = 0;
    std::memcpy(&length, in, kTagLengthBytes);
    in += kTagLengthBytes;
    tags.emplace_back(in, length);
    in += length;
  }
  return tags;
}

Post PostView::to_post() const {
  return Post{.id = id,
              .author = author,
              .text = std::string(text()),
              .created_at = created_at,
              .visibility = visibility,
              .embedding = {},
              .embedding_supplied = embedding_supplied,
              .hashtags = hashtags()};
}

void PostCatalog::put(const StoredPost& stored) {
  const Post& post = stored.post;
  const bool deleted = stored.deleted;
  auto [it, inserted] = index_.try_emplace(post.id, views_.size());
  PostView& view = inserted ? views_.emplace_back() : views_[it->second];
  if (!inserted && !view.deleted) {
    unlink(view);
    --live_count_;
    if (deleted) ++deletes_applied_;
  }
  if (!deleted) {
    auto& timeline = timelines_[post.author];
    const TimelineEntry entry{post.created_at, post.id};
    // Posts mostly arrive in time order, so this is usually an append.
    timeline.insert(std::upper_bound(timeline.begin(), timeline.end(), entry), entry);
    if (post.visibility == Visibility::kFollowers) {
      auto& ids = followers_only_[post.author];
      ids.insert(std::upper_bound(ids.begin(), ids.end(), post.id), post.id);
    }
    ++live_count_;
  }
  text_block_bytes_ -= view.block_bytes();
  view.assign(post, deleted);
  text_block_bytes_ += view.block_bytes();
  view.sequence = stored.sequence;
}

PostCatalog::Room PostCatalog::make_room(std::size_t new_posts) const {
  Room room;
  room.index_ = index_grower_.grown_copy(index_, new_posts);
  return room;
}

void PostCatalog::take_room(Room& room) { take_grown(index_, room.index_); }

void PostCatalog::count_engagement(PostId post, EngagementKind kind) {
  ++engagement_count_;
  if (auto it = index_.find(post); it != index_.end()) {
    std::uint32_t& count = views_[it->second].engagement_counts[static_cast<int>(kind)];
    if (count != std::numeric_limits<std::uint32_t>::max()) ++count;
  }
}

void PostCatalog::prefetch_new(PostId id, UserId author, PrefetchStep step) const {
  if (step == PrefetchStep::kSlots) {
    index_.prefetch(id);
    timelines_.prefetch(author);
  } else if (const auto it = timelines_.find(author);
             it != timelines_.end() && !it->second.empty()) {
    prefetch_bytes(&it->second.back(), sizeof(TimelineEntry));  // a new post mostly goes last
  }
}

void PostCatalog::prefetch_existing(PostId id, PrefetchStep step) const {
  if (step == PrefetchStep::kSlots) {
    index_.prefetch(id);
  } else if (const auto it = index_.find(id); it != index_.end()) {
    prefetch_bytes(&views_[it->second], sizeof(PostView));
  }
}

const PostView* PostCatalog::find(PostId id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &views_[it->second];
}

std::span<const TimelineEntry> PostCatalog::timeline(UserId author) const {
  auto it = timelines_.find(author);
  if (it == timelines_.end()) return {};
  return it->second;
}

std::span<const TimelineEntry> PostCatalog::newest_until(UserId author, TimestampMs now,
                                                         std::size_t newest) const {
  const std::span<const TimelineEntry> all = timeline(author);
  const auto end = std::upper_bound(all.begin(), all.end(), TimelineEntry{now, ~PostId{0}});
  const auto until = static_cast<std::size_t>(end - all.begin());
  const std::size_t count = std::min(until, newest);
  return all.subspan(until - count, count);
}

std::span<const PostId> PostCatalog::followers_only(UserId author) const {
  auto it = followers_only_.find(author);
  if (it == followers_only_.end()) return {};
  return it->second;
}

void PostCatalog::unlink(const PostView& post) {
  if (auto it = timelines_.find(post.author); it != timelines_.end()) {
    auto& timeline = it->second;
    const TimelineEntry entry{post.created_at, post.id};
    auto pos = std::lower_bound(timeline.begin(), timeline.end(), entry);
    if (pos != timeline.end() && *pos == entry) timeline.erase(pos);
    if (timeline.empty()) timelines_.erase(it);
  }
  if (post.visibility != Visibility::kFollowers) return;
  if (auto it = followers_only_.find(post.author); it != followers_only_.end()) {
    auto& ids = it->second;
    auto pos = std::lower_bound(ids.begin(), ids.end(), post.id);
    if (pos != ids.end() && *pos == post.id) ids.erase(pos);
    if (ids.empty()) followers_only_.erase(it);
  }
}

std::size_t PostCatalog::posts_memory_bytes() const {
  return views_.memory_bytes() + table_bytes(index_) + text_block_bytes_;
}

std::size_t PostCatalog::timelines_memory_bytes() const {
  std::size_t bytes = table_bytes(timelines_) + table_bytes(followers_only_);
  for (const auto& [author, timeline] : timelines_) bytes += heap_bytes(timeline);
  for (const auto& [author, posts] : followers_only_) bytes += heap_bytes(posts);
  return bytes;
}

}  // namespace feedrank::store
