#include "store/write_planner.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "fmt/format.h"

namespace feedrank::store {

WriteSummary& WriteSummary::operator+=(const WriteSummary& other) {
  users_created += other.users_created;
  users_updated += other.users_updated;
  posts_created += other.posts_created;
  posts_deleted += other.posts_deleted;
  follows_created += other.follows_created;
  follows_removed += other.follows_removed;
  engagements_recorded += other.engagements_recorded;
  unchanged += other.unchanged;
  return *this;
}

// Post facts a batch needs: existence, deletion, and what a tombstone must keep.
struct PostFacts {
  UserId author;
  TimestampMs created_at;
  Visibility visibility;
  bool deleted;
  Sequence sequence;
};
using Edge = std::pair<UserId, UserId>;

class PlannedFacts {
 public:
  absl::flat_hash_map<UserId, User> users;
  absl::flat_hash_map<PostId, PostFacts> posts;
  absl::flat_hash_map<Edge, bool> edges;  // true: followed, false: unfollowed
  absl::flat_hash_set<std::tuple<UserId, PostId, int, TimestampMs>> engagements;
  Sequence last_sequence = 0;  // the last one the batch handed out
};

namespace {

// Validates ops one by one against the state plus the effects of the earlier ops in the batch
// (and of the earlier batch, when given).
class Planner {
 public:
  Planner(const FeedState& state, const DurableStore& durable, const ItemNamer& item_name,
          std::span<const PlannedFacts* const> earlier)
      : state_(state),
        durable_(durable),
        item_name_(item_name),
        earlier_(earlier),
        pending_(std::make_shared<PlannedFacts>()),
        sequence_(state.last_sequence) {
    for (const PlannedFacts* facts : earlier) sequence_ = std::max(sequence_, facts->last_sequence);
  }

  absl::StatusOr<WritePlan> run(std::span<const WriteOp> ops) {
    for (index_ = 0; index_ < ops.size(); ++index_) {
      auto status = std::visit([&](const auto& op) { return plan(op); }, ops[index_]);
      if (!status.ok()) return status;
    }
    pending_->last_sequence = sequence_;
    plan_.facts = std::move(pending_);
    return std::move(plan_);
  }

 private:

  absl::Status plan(const User& user) {
    const User* current = find_user(user.id);
    if (current && current->handle == user.handle && current->created_at == user.created_at) {
      ++plan_.summary.unchanged;
      return absl::OkStatus();
    }
    ++(current ? plan_.summary.users_updated : plan_.summary.users_created);
    pending_->users[user.id] = user;
    plan_.mutations.emplace_back(user);
    return absl::OkStatus();
  }

  absl::Status plan(const Post& post) {
    if (!find_user(post.author)) return user_not_found("author_id", post.author);
    if (find_post(post.id)) {
      ++plan_.summary.unchanged;  // first write wins: a retried create changes nothing
      return absl::OkStatus();
    }
    const Sequence sequence = ++sequence_;
    pending_->posts[post.id] = {post.author, post.created_at, post.visibility, false, sequence};
    plan_.mutations.emplace_back(StoredPost{post, false, sequence});
    ++plan_.summary.posts_created;
    return absl::OkStatus();
  }

  absl::Status plan(const Follow& follow) {
    if (auto status = check_edge_users(follow.follower, follow.followee); !status.ok())
      return status;
    const Edge edge{follow.follower, follow.followee};
    if (edge_exists(edge)) {
      ++plan_.summary.unchanged;
      return absl::OkStatus();
    }
    pending_->edges[edge] = true;
    plan_.mutations.emplace_back(follow);
    ++plan_.summary.follows_created;
    return absl::OkStatus();
  }

  absl::Status plan(const Unfollow& unfollow) {
    if (auto status = check_edge_users(unfollow.follower, unfollow.followee); !status.ok()) {
      return status;
    }
    const Edge edge{unfollow.follower, unfollow.followee};
    if (!edge_exists(edge)) {
      ++plan_.summary.unchanged;
      return absl::OkStatus();
    }
    pending_->edges[edge] = false;
    plan_.mutations.emplace_back(unfollow);
    ++plan_.summary.follows_removed;
    return absl::OkStatus();
  }

  absl::Status plan(const DeletePost& del) {
    auto facts = find_post(del.id);
    // A delete is only an id: the item itself is the field, so no sub-field is named.
    if (!facts) return post_not_found("", del.id);
    if (facts->deleted) {
      ++plan_.summary.unchanged;
      return absl::OkStatus();
    }
    Post tombstone;
    tombstone.id = del.id;
    tombstone.author = facts->author;
    tombstone.created_at = facts->created_at;
    tombstone.visibility = facts->visibility;
    facts->deleted = true;
    pending_->posts[del.id] = *facts;
    // The vector, if any, is kept too; the state extension fills it in before the commit.
    plan_.mutations.emplace_back(StoredPost{std::move(tombstone), true, facts->sequence});
    ++plan_.summary.posts_deleted;
    return absl::OkStatus();
  }

  absl::Status plan(const Engagement& engagement) {
    if (!find_user(engagement.user)) return user_not_found("user_id", engagement.user);
    auto facts = find_post(engagement.post);
    if (!facts || facts->deleted) return post_not_found("post_id", engagement.post);
    const auto key = std::make_tuple(engagement.user, engagement.post,
                                     static_cast<int>(engagement.kind), engagement.at);
    const auto recorded = [&](const PlannedFacts* facts) { return facts->engagements.contains(key); };
    if (pending_->engagements.contains(key) || std::ranges::any_of(earlier_, recorded)) {
      ++plan_.summary.unchanged;
      return absl::OkStatus();
    }
    auto stored = durable_.contains(engagement);
    if (!stored.ok()) return stored.status();
    if (*stored) {
      ++plan_.summary.unchanged;
      return absl::OkStatus();
    }
    pending_->engagements.insert(key);
    plan_.mutations.emplace_back(StoredEngagement{engagement, ++sequence_});
    ++plan_.summary.engagements_recorded;
    return absl::OkStatus();
  }

  absl::Status check_edge_users(UserId follower, UserId followee) {
    if (follower == followee) {
      return absl::InvalidArgumentError(
          fmt::format("{}: a user cannot follow themselves", item_name_(index_, "followee_id")));
    }
    if (!find_user(follower)) return user_not_found("follower_id", follower);
    if (!find_user(followee)) return user_not_found("followee_id", followee);
    return absl::OkStatus();
  }

  const User* find_user(UserId id) const {
    if (auto it = pending_->users.find(id); it != pending_->users.end()) return &it->second;
    for (const PlannedFacts* facts : earlier_) {
      if (auto it = facts->users.find(id); it != facts->users.end()) return &it->second;
    }
    auto it = state_.users.find(id);
    return it == state_.users.end() ? nullptr : &it->second;
  }

  std::optional<PostFacts> find_post(PostId id) const {
    if (auto it = pending_->posts.find(id); it != pending_->posts.end()) return it->second;
    for (const PlannedFacts* facts : earlier_) {
      if (auto it = facts->posts.find(id); it != facts->posts.end()) return it->second;
    }
    const PostView* view = state_.posts.find(id);
    if (!view) return std::nullopt;
    return PostFacts{view->author, view->created_at, view->visibility,
                     view->deleted, view->sequence};
  }

  bool edge_exists(const Edge& edge) const {
    if (auto it = pending_->edges.find(edge); it != pending_->edges.end()) return it->second;
    for (const PlannedFacts* facts : earlier_) {
      if (auto it = facts->edges.find(edge); it != facts->edges.end()) return it->second;
    }
    return state_.graph.follows(edge.first, edge.second);
  }

  absl::Status user_not_found(std::string_view field, UserId id) const {
    return absl::NotFoundError(fmt::format("{}: user {} not found", item_name_(index_, field), id));
  }
  absl::Status post_not_found(std::string_view field, PostId id) const {
    return absl::NotFoundError(fmt::format("{}: post {} not found", item_name_(index_, field), id));
  }

  const FeedState& state_;
  const DurableStore& durable_;
  const ItemNamer& item_name_;
  std::span<const PlannedFacts* const> earlier_;  // newest first
  std::shared_ptr<PlannedFacts> pending_;  // this batch's effects so far
  std::size_t index_ = 0;
  Sequence sequence_;  // the last one handed out
  WritePlan plan_;
};

}  // namespace

absl::StatusOr<WritePlan> plan_writes(const FeedState& state, const DurableStore& durable,
                                      std::span<const WriteOp> ops, const ItemNamer& item_name,
                                      std::span<const PlannedFacts* const> earlier) {
  return Planner(state, durable, item_name, earlier).run(ops);
}

std::shared_ptr<PlannedFacts> empty_facts() { return std::make_shared<PlannedFacts>(); }

void fold_facts(PlannedFacts& into, const PlannedFacts& newer) {
  for (const auto& [id, user] : newer.users) into.users.insert_or_assign(id, user);
  for (const auto& [id, post] : newer.posts) into.posts.insert_or_assign(id, post);
  for (const auto& [edge, followed] : newer.edges) into.edges.insert_or_assign(edge, followed);
  into.engagements.insert(newer.engagements.begin(), newer.engagements.end());
  into.last_sequence = std::max(into.last_sequence, newer.last_sequence);
}

}  // namespace feedrank::store
