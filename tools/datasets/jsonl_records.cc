#include "tools/datasets/jsonl_records.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace feedrank::datasets {
namespace {

using nlohmann::json;

constexpr std::pair<std::string_view, v1::Visibility> kVisibilities[] = {
    {"public", v1::VISIBILITY_PUBLIC},
    {"followers", v1::VISIBILITY_FOLLOWERS},
};

constexpr std::pair<std::string_view, v1::EngagementKind> kEngagementKinds[] = {
    {"view", v1::ENGAGEMENT_KIND_VIEW},
    {"like", v1::ENGAGEMENT_KIND_LIKE},
    {"comment", v1::ENGAGEMENT_KIND_COMMENT},
    {"share", v1::ENGAGEMENT_KIND_SHARE},
};

constexpr std::string_view kTypes[] = {"user",     "post",        "follow",
                                       "unfollow", "delete_post", "engagement"};

template <typename Names>
std::string join_names(const Names& names) {
  std::string joined;
  for (const auto& entry : names) {
    if (!joined.empty()) joined += ", ";
    if constexpr (std::is_same_v<std::decay_t<decltype(entry)>, std::string_view>) {
      joined += entry;
    } else {
      joined += entry.first;
    }
  }
  return joined;
}

template <typename Enum, std::size_t N>
std::string_view enum_name(const std::pair<std::string_view, Enum> (&names)[N], Enum value,
                           std::string_view fallback) {
  for (const auto& [name, entry] : names) {
    if (entry == value) return name;
  }
  return fallback;
}

std::string_view json_type_name(const json& value) {
  if (value.is_number_unsigned()) return "non-negative integer";
  if (value.is_number_integer()) return "negative integer";
  // 1.5, but also 1e3, 1.0 and 2^64: JSON cannot tell them apart once parsed.
  if (value.is_number_float()) return "number with a fraction or exponent, or above 2^64-1";
  return value.type_name();
}

// Reads the fields of one object. The first problem is kept (later reads return defaults) so a
// record's fields read as straight-line code; unread fields are reported as unknown at the end.
class FieldReader {
 public:
  explicit FieldReader(const json& object) : object_(object) {}

  std::uint64_t uint64(const char* name) {
    const json* value = find(name, /*required=*/true);
    if (value == nullptr) return 0;
    if (!value->is_number_unsigned()) return wrong_type(name, "a non-negative integer", *value), 0;
    return value->get<std::uint64_t>();
  }

  std::int64_t int64(const char* name, bool required = true) {
    const json* value = find(name, required);
    if (value == nullptr) return 0;
    if (value->is_number_integer() && !value->is_number_unsigned())
      return value->get<std::int64_t>();
    if (value->is_number_unsigned() &&
        value->get<std::uint64_t>() <=
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(value->get<std::uint64_t>());
    }
    return wrong_type(name, "an integer within int64", *value), 0;
  }

  std::string string(const char* name, bool required = true) {
    const json* value = find(name, required);
    if (value == nullptr) return {};
    if (!value->is_string()) return wrong_type(name, "a string", *value), std::string();
    return value->get<std::string>();
  }

  // An enum spelt as one of `names`; `fallback` when the field is absent and not required.
  template <typename Enum, std::size_t N>
  Enum enumeration(const char* name, const std::pair<std::string_view, Enum> (&names)[N],
                   bool required, Enum fallback) {
    const json* value = find(name, required);
    if (value == nullptr) return fallback;
    if (!value->is_string()) return wrong_type(name, "a string", *value), fallback;
    const auto& text = value->get_ref<const std::string&>();
    for (const auto& [entry_name, entry] : names) {
      if (entry_name == text) return entry;
    }
    fail("field \"" + std::string(name) + "\": unknown value \"" + text +
         "\" (expected one of: " + join_names(names) + ")");
    return fallback;
  }

  // An optional array of numbers, each representable as a float.
  void floats(const char* name, google::protobuf::RepeatedField<float>* out) {
    const json* value = find(name, /*required=*/false);
    if (value == nullptr) return;
    if (!value->is_array()) return wrong_type(name, "an array of numbers", *value);
    out->Reserve(static_cast<int>(value->size()));
    for (std::size_t i = 0; i < value->size(); ++i) {
      const json& element = (*value)[i];
      const std::string element_name = std::string(name) + "[" + std::to_string(i) + "]";
      if (!element.is_number()) return wrong_type(element_name.c_str(), "a number", element);
      const double number = element.get<double>();
      if (std::fabs(number) > std::numeric_limits<float>::max()) {
        return fail("field \"" + element_name + "\": out of float range");
      }
      out->Add(static_cast<float>(number));
    }
  }

  // The first problem met, or an unknown field of record type `type`.
  absl::Status finish(std::string_view type) {
    if (error_.empty()) {
      for (const auto& [key, unused] : object_.items()) {
        if (!read_.contains(key)) {
          fail("unknown field \"" + key + "\" for type \"" + std::string(type) + "\"");
          break;
        }
      }
    }
    return error_.empty() ? absl::OkStatus() : absl::InvalidArgumentError(error_);
  }

 private:
  const json* find(const char* name, bool required) {
    read_.insert(name);
    const auto it = object_.find(name);
    if (it == object_.end()) {
      if (required) fail("missing field \"" + std::string(name) + "\"");
      return nullptr;
    }
    return &*it;
  }

  void wrong_type(const char* name, std::string_view expected, const json& value) {
    fail("field \"" + std::string(name) + "\": expected " + std::string(expected) + ", got " +
         std::string(json_type_name(value)));
  }

  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

  const json& object_;
  std::set<std::string, std::less<>> read_;
  std::string error_;
};

void read_edge(FieldReader& fields, bool time_required, v1::FollowEdge* edge) {
  edge->set_follower_id(fields.uint64("follower_id"));
  edge->set_followee_id(fields.uint64("followee_id"));
  edge->set_created_at_ms(fields.int64("created_at_ms", time_required));
}

absl::StatusOr<v1::IngestRecord> read_record(const json& object) {
  if (!object.is_object()) {
    return absl::InvalidArgumentError("expected a JSON object, got " +
                                      std::string(json_type_name(object)));
  }
  const auto type_it = object.find("type");
  if (type_it == object.end()) return absl::InvalidArgumentError("missing field \"type\"");
  if (!type_it->is_string()) {
    return absl::InvalidArgumentError("field \"type\": expected a string, got " +
                                      std::string(json_type_name(*type_it)));
  }
  const auto& type = type_it->get_ref<const std::string&>();

  v1::IngestRecord record;
  FieldReader fields(object);
  fields.string("type");
  if (type == "user") {
    v1::User* user = record.mutable_user();
    user->set_id(fields.uint64("id"));
    user->set_handle(fields.string("handle"));
    user->set_created_at_ms(fields.int64("created_at_ms"));
  } else if (type == "post") {
    v1::Post* post = record.mutable_post();
    post->set_id(fields.uint64("id"));
    post->set_author_id(fields.uint64("author_id"));
    post->set_text(fields.string("text", /*required=*/false));
    post->set_created_at_ms(fields.int64("created_at_ms"));
    post->set_visibility(
        fields.enumeration("visibility", kVisibilities, /*required=*/false, v1::VISIBILITY_PUBLIC));
    fields.floats("embedding", post->mutable_embedding());
  } else if (type == "follow") {
    read_edge(fields, /*time_required=*/true, record.mutable_follow());
  } else if (type == "unfollow") {
    // The server ignores an unfollow's time, so it may be left out.
    read_edge(fields, /*time_required=*/false, record.mutable_unfollow());
  } else if (type == "delete_post") {
    record.set_delete_post_id(fields.uint64("post_id"));
  } else if (type == "engagement") {
    v1::Engagement* engagement = record.mutable_engagement();
    engagement->set_user_id(fields.uint64("user_id"));
    engagement->set_post_id(fields.uint64("post_id"));
    engagement->set_kind(fields.enumeration("kind", kEngagementKinds, /*required=*/true,
                                            v1::ENGAGEMENT_KIND_UNSPECIFIED));
    engagement->set_at_ms(fields.int64("at_ms"));
  } else {
    return absl::InvalidArgumentError("unknown type \"" + type +
                                      "\" (expected one of: " + join_names(kTypes) + ")");
  }
  if (absl::Status status = fields.finish(type); !status.ok()) return status;
  return record;
}

// The shortest decimal that reads back as the same float, so "0.1f" prints as 0.1 rather than
// 0.10000000149011612; falls back to the exact double where double rounding would differ.
double shortest_float(float value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  *result.ptr = '\0';
  const double decimal = std::strtod(buffer, nullptr);
  return static_cast<float>(decimal) == value ? decimal : static_cast<double>(value);
}

void write_edge(const v1::FollowEdge& edge, bool always_time, nlohmann::ordered_json& line) {
  line["follower_id"] = edge.follower_id();
  line["followee_id"] = edge.followee_id();
  if (always_time || edge.created_at_ms() != 0) line["created_at_ms"] = edge.created_at_ms();
}

}  // namespace

absl::StatusOr<v1::IngestRecord> parse_jsonl_record(std::string_view line) {
  try {
    // The parser keeps the last of repeated keys; a repeated field is a writer's mistake, and
    // taking one value silently could store the wrong id.
    std::vector<std::set<std::string, std::less<>>> keys;  // per open object
    std::string repeated;
    const json::parser_callback_t note_keys = [&](int, json::parse_event_t event, json& parsed) {
      if (event == json::parse_event_t::object_start) keys.emplace_back();
      if (event == json::parse_event_t::object_end) keys.pop_back();
      if (event == json::parse_event_t::key && !keys.empty() && repeated.empty()) {
        std::string key = parsed.get<std::string>();
        if (!keys.back().insert(key).second) repeated = std::move(key);
      }
      return true;
    };
    const json object = json::parse(line, note_keys);
    if (!repeated.empty()) {
      return absl::InvalidArgumentError("field \"" + repeated + "\" given twice");
    }
    return read_record(object);
  } catch (const json::parse_error& error) {
    // Drop the "[json.exception.parse_error.101] " prefix: it means nothing to a user.
    std::string_view message = error.what();
    if (const auto end = message.find("] "); end != std::string_view::npos) {
      message.remove_prefix(end + 2);
    }
    return absl::InvalidArgumentError("invalid JSON: " + std::string(message));
  } catch (const std::exception& error) {
    return absl::InvalidArgumentError(std::string("invalid record: ") + error.what());
  }
}

std::string to_jsonl_line(const v1::IngestRecord& record) {
  nlohmann::ordered_json line = nlohmann::ordered_json::object();
  switch (record.record_case()) {
    case v1::IngestRecord::kUser:
      line["type"] = "user";
      line["id"] = record.user().id();
      line["handle"] = record.user().handle();
      line["created_at_ms"] = record.user().created_at_ms();
      break;
    case v1::IngestRecord::kPost: {
      const v1::Post& post = record.post();
      line["type"] = "post";
      line["id"] = post.id();
      line["author_id"] = post.author_id();
      line["text"] = post.text();
      line["created_at_ms"] = post.created_at_ms();
      line["visibility"] = enum_name(kVisibilities, post.visibility(), "public");
      if (!post.embedding().empty()) {
        auto& embedding = line["embedding"] = nlohmann::ordered_json::array();
        for (const float value : post.embedding()) embedding.push_back(shortest_float(value));
      }
      break;
    }
    case v1::IngestRecord::kFollow:
      line["type"] = "follow";
      write_edge(record.follow(), /*always_time=*/true, line);
      break;
    case v1::IngestRecord::kUnfollow:
      line["type"] = "unfollow";
      write_edge(record.unfollow(), /*always_time=*/false, line);
      break;
    case v1::IngestRecord::kDeletePostId:
      line["type"] = "delete_post";
      line["post_id"] = record.delete_post_id();
      break;
    case v1::IngestRecord::kEngagement: {
      const v1::Engagement& engagement = record.engagement();
      line["type"] = "engagement";
      line["user_id"] = engagement.user_id();
      line["post_id"] = engagement.post_id();
      line["kind"] = enum_name(kEngagementKinds, engagement.kind(), "unspecified");
      line["at_ms"] = engagement.at_ms();
      break;
    }
    case v1::IngestRecord::RECORD_NOT_SET:
      break;
  }
  return line.dump(-1, ' ', /*ensure_ascii=*/false,
                   nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace feedrank::datasets
