#include "api/write_conversion.h"

#include <cmath>

#include "api/field_checks.h"
#include "fmt/format.h"

namespace feedrank::api {
namespace {

// Runs the checks in order and returns the first failure.
template <class... Checks>
absl::Status first_error(Checks&&... checks) {
  absl::Status status;
  ((status.ok() ? (void)(status = checks) : (void)0), ...);
  return status;
}

absl::StatusOr<User> to_user(const v1::User& in, const FieldPath& item) {
  auto status = first_error(check_id(item.field("id"), in.id()),
                            check_text(item.field("handle"), in.handle(), kMaxHandleBytes, true),
                            check_time(item.field("created_at_ms"), in.created_at_ms()));
  if (!status.ok()) return status;
  return User{in.id(), in.handle(), in.created_at_ms()};
}

absl::Status check_embedding(const FieldPath& name, const google::protobuf::RepeatedField<float>& v,
                             int dimension) {
  if (v.empty()) return absl::OkStatus();  // optional: the server embeds the text
  return check_vector(name, std::span(v.data(), v.size()), dimension);
}

absl::Status check_not_far_future(const FieldPath& field, std::int64_t at_ms,
                                  const WriteRules& rules) {
  if (rules.latest_time_ms == 0 || at_ms <= rules.latest_time_ms) {
    return absl::OkStatus();
  }
  return invalid(field, fmt::format("{} is more than 24 h after the server's clock ({})", at_ms,
                                    rules.latest_time_ms - kClockSkewMs));
}

absl::StatusOr<Post> to_post(const v1::Post& in, const FieldPath& item, const WriteRules& rules) {
  auto status = first_error(
      check_id(item.field("id"), in.id()), check_id(item.field("author_id"), in.author_id()),
      // A post without text (a picture, an item of a data set with none) is a post all the same:
      // its text vector is zero unless the caller supplies `embedding`.
      check_optional_text(item.field("text"), in.text(), kMaxTextBytes),
      check_time(item.field("created_at_ms"), in.created_at_ms()),
      check_not_far_future(item.field("created_at_ms"), in.created_at_ms(), rules),
      v1::Visibility_IsValid(in.visibility())
          ? absl::OkStatus()
          : invalid(item.field("visibility"),
                    fmt::format("unknown value {}", static_cast<int>(in.visibility()))),
      check_embedding(item.field("embedding"), in.embedding(), rules.embedding_dimension));
  if (!status.ok()) return status;
  Post post;
  post.id = in.id();
  post.author = in.author_id();
  post.text = in.text();
  post.created_at = in.created_at_ms();
  post.visibility =
      in.visibility() == v1::VISIBILITY_FOLLOWERS ? Visibility::kFollowers : Visibility::kPublic;
  post.embedding.assign(in.embedding().begin(), in.embedding().end());
  return post;
}

absl::Status check_edge(const v1::FollowEdge& in, const FieldPath& item) {
  auto status = first_error(check_id(item.field("follower_id"), in.follower_id()),
                            check_id(item.field("followee_id"), in.followee_id()));
  if (status.ok() && in.follower_id() == in.followee_id()) {
    return invalid(item.field("followee_id"), "a user cannot follow themselves");
  }
  return status;
}

absl::StatusOr<Follow> to_follow(const v1::FollowEdge& in, const FieldPath& item) {
  auto status = first_error(check_edge(in, item),
                            check_time(item.field("created_at_ms"), in.created_at_ms()));
  if (!status.ok()) return status;
  return Follow{in.follower_id(), in.followee_id(), in.created_at_ms()};
}

absl::StatusOr<Unfollow> to_unfollow(const v1::FollowEdge& in, const FieldPath& item) {
  if (auto status = check_edge(in, item); !status.ok()) return status;
  return Unfollow{in.follower_id(), in.followee_id()};
}

absl::StatusOr<DeletePost> to_delete(std::uint64_t post_id, const FieldPath& item) {
  if (auto status = check_id(item, post_id); !status.ok()) return status;
  return DeletePost{post_id};
}

absl::StatusOr<Engagement> to_engagement(const v1::Engagement& in, const FieldPath& item,
                                         const WriteRules& rules) {
  const bool known_kind =
      v1::EngagementKind_IsValid(in.kind()) && in.kind() != v1::ENGAGEMENT_KIND_UNSPECIFIED;
  auto status = first_error(
      check_id(item.field("user_id"), in.user_id()), check_id(item.field("post_id"), in.post_id()),
      known_kind ? absl::OkStatus()
                 : invalid(item.field("kind"),
                           fmt::format("unknown or unset kind {}", static_cast<int>(in.kind()))),
      check_time(item.field("at_ms"), in.at_ms()),
      check_not_far_future(item.field("at_ms"), in.at_ms(), rules));
  if (!status.ok()) return status;
  return Engagement{in.user_id(), in.post_id(), static_cast<EngagementKind>(in.kind() - 1),
                    in.at_ms()};
}

template <class Items, class Convert>
absl::StatusOr<WriteOps> convert_list(std::string_view list, const Items& items, Convert convert) {
  if (auto status = check_batch_size(list, items.size()); !status.ok()) return status;
  WriteOps ops;
  ops.reserve(items.size());
  for (int i = 0; i < items.size(); ++i) {
    auto op = convert(items[i], FieldPath(list, i));
    if (!op.ok()) return op.status();
    ops.emplace_back(std::move(*op));
  }
  return ops;
}

std::string_view record_kind(const v1::IngestRecord& record) {
  switch (record.record_case()) {
    case v1::IngestRecord::kUser:
      return "user";
    case v1::IngestRecord::kPost:
      return "post";
    case v1::IngestRecord::kFollow:
      return "follow";
    case v1::IngestRecord::kUnfollow:
      return "unfollow";
    case v1::IngestRecord::kDeletePostId:
      return "delete_post_id";
    case v1::IngestRecord::kEngagement:
      return "engagement";
    case v1::IngestRecord::RECORD_NOT_SET:
      break;
  }
  return "record";
}

absl::StatusOr<WriteOp> to_write_op(const v1::IngestRecord& record, const FieldPath& item,
                                    const WriteRules& rules) {
  const FieldPath inner = item.kind(record_kind(record));
  auto wrap = [](auto result) -> absl::StatusOr<WriteOp> {
    if (!result.ok()) return result.status();
    return WriteOp(std::move(*result));
  };
  switch (record.record_case()) {
    case v1::IngestRecord::kUser:
      return wrap(to_user(record.user(), inner));
    case v1::IngestRecord::kPost:
      return wrap(to_post(record.post(), inner, rules));
    case v1::IngestRecord::kFollow:
      return wrap(to_follow(record.follow(), inner));
    case v1::IngestRecord::kUnfollow:
      return wrap(to_unfollow(record.unfollow(), inner));
    case v1::IngestRecord::kDeletePostId:
      return wrap(to_delete(record.delete_post_id(), inner));
    case v1::IngestRecord::kEngagement:
      return wrap(to_engagement(record.engagement(), inner, rules));
    case v1::IngestRecord::RECORD_NOT_SET:
      break;
  }
  return invalid(item, "empty record (none of user, post, follow, ... is set)");
}

}  // namespace

absl::StatusOr<WriteOps> to_write_ops(const v1::UpsertUsersRequest& request, const WriteRules&) {
  return convert_list("users", request.users(), to_user);
}
absl::StatusOr<WriteOps> to_write_ops(const v1::CreatePostsRequest& request,
                                      const WriteRules& rules) {
  return convert_list("posts", request.posts(), [&](const v1::Post& post, const FieldPath& item) {
    return to_post(post, item, rules);
  });
}
absl::StatusOr<WriteOps> to_write_ops(const v1::DeletePostsRequest& request, const WriteRules&) {
  return convert_list("post_ids", request.post_ids(), to_delete);
}
absl::StatusOr<WriteOps> to_write_ops(const v1::FollowRequest& request, const WriteRules&) {
  return convert_list("edges", request.edges(), to_follow);
}
absl::StatusOr<WriteOps> to_write_ops(const v1::UnfollowRequest& request, const WriteRules&) {
  return convert_list("edges", request.edges(), to_unfollow);
}
absl::StatusOr<WriteOps> to_write_ops(const v1::RecordEngagementsRequest& request,
                                      const WriteRules& rules) {
  return convert_list("engagements", request.engagements(),
                      [&](const v1::Engagement& engagement, const FieldPath& item) {
                        return to_engagement(engagement, item, rules);
                      });
}
absl::StatusOr<WriteOps> to_write_ops(const v1::IngestRequest& request, const WriteRules& rules) {
  if (request.records_size() == 0) return WriteOps{};
  return convert_list("records", request.records(),
                      [&](const v1::IngestRecord& record, const FieldPath& item) {
                        return to_write_op(record, item, rules);
                      });
}

store::ItemNamer list_item_namer(std::string_view list_field) {
  return [list = std::string(list_field)](std::size_t index, std::string_view name) {
    return FieldPath(list, index).field(name).str();
  };
}

store::ItemNamer ingest_item_namer(const v1::IngestRequest& request) {
  return [&request](std::size_t index, std::string_view name) {
    const auto& record = request.records(static_cast<int>(index));
    return FieldPath("records", index).kind(record_kind(record)).field(name).str();
  };
}

}  // namespace feedrank::api
