#include "store/post_catalog.h"

#include <algorithm>
#include <utility>

#include "common/grow_aside.h"
#include "common/memory_bytes.h"

namespace feedrank::store {

void PostCatalog::put(StoredPost stored) {
  Post& post = stored.post;
  const bool deleted = stored.deleted;
  // The embedding table holds the one copy. Assigned a new vector, not `= {}`: that assigns an
  // empty initializer list, which keeps the buffer (512 bytes a post at dimension 128).
  post.embedding = std::vector<float>();
  auto [it, inserted] = index_.try_emplace(post.id, views_.size());
  PostView& view = inserted ? views_.emplace_back() : views_[it->second];
  if (!inserted && !view.deleted) {
    unlink(view.post);
    --live_count_;
    if (deleted) ++deletes_applied_;
  }
  if (deleted) {
    std::string().swap(post.text);  // a move from an empty string would keep the buffer
    post.hashtags = std::vector<std::string>();
  } else {
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
  // Exchanged, not assigned: a string moved from a short one keeps its old heap buffer, so a
  // deleted post would go on holding its text.
  [[maybe_unused]] const Post replaced = std::exchange(view.post, std::move(post));
  view.deleted = deleted;
  view.sequence = stored.sequence;
}

PostCatalog::Room PostCatalog::make_room(std::size_t new_posts) const {
  Room room;
  room.index_ = grown_copy(index_, new_posts);
  return room;
}

void PostCatalog::take_room(Room& room) { take_grown(index_, room.index_); }

void PostCatalog::count_engagement(PostId post, EngagementKind kind) {
  ++engagement_count_;
  if (auto it = index_.find(post); it != index_.end()) {
    ++views_[it->second].engagement_counts[static_cast<int>(kind)];
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

void PostCatalog::unlink(const Post& post) {
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
  std::size_t bytes = views_.memory_bytes() + table_bytes(index_);
  for (std::size_t i = 0; i < views_.size(); ++i) {
    const PostView& view = views_[i];
    bytes += heap_bytes(view.post.text) + heap_bytes(view.post.hashtags);
    for (const std::string& tag : view.post.hashtags) bytes += heap_bytes(tag);
  }
  return bytes;
}

std::size_t PostCatalog::timelines_memory_bytes() const {
  std::size_t bytes = table_bytes(timelines_) + table_bytes(followers_only_);
  for (const auto& [author, timeline] : timelines_) bytes += heap_bytes(timeline);
  for (const auto& [author, posts] : followers_only_) bytes += heap_bytes(posts);
  return bytes;
}

}  // namespace feedrank::store
