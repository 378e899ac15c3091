#include "store/post_catalog.h"

#include <algorithm>

namespace feedrank::store {

void PostCatalog::put(StoredPost stored) {
  Post& post = stored.post;
  const bool deleted = stored.deleted;
  post.embedding = {};  // frees the memory: the embedding table holds the one copy
  auto [it, inserted] = index_.try_emplace(post.id, views_.size());
  if (inserted) views_.emplace_back();
  PostView& view = views_[it->second];
  if (!inserted && !view.deleted) {
    unlink_from_timeline(view.post);
    --live_count_;
  }
  if (deleted) {
    post.text = {};
    post.hashtags = {};
  } else {
    auto& timeline = timelines_[post.author];
    const TimelineEntry entry{post.created_at, post.id};
    // Posts mostly arrive in time order, so this is usually an append.
    timeline.insert(std::upper_bound(timeline.begin(), timeline.end(), entry), entry);
    ++live_count_;
  }
  view.post = std::move(post);
  view.deleted = deleted;
  view.sequence = stored.sequence;
}

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

void PostCatalog::unlink_from_timeline(const Post& post) {
  auto it = timelines_.find(post.author);
  if (it == timelines_.end()) return;
  auto& timeline = it->second;
  const TimelineEntry entry{post.created_at, post.id};
  auto pos = std::lower_bound(timeline.begin(), timeline.end(), entry);
  if (pos != timeline.end() && *pos == entry) timeline.erase(pos);
  if (timeline.empty()) timelines_.erase(it);
}

}  // namespace feedrank::store
