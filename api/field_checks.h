// Field checks shared by the request converters. Each returns OK or an INVALID_ARGUMENT status
// whose message starts with the field's path, e.g. "posts[3].text: too long (...)".
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace feedrank::api {

inline constexpr std::size_t kMaxBatchItems = 10'000;
inline constexpr std::size_t kMaxTextBytes = 4096;
inline constexpr std::size_t kMaxHandleBytes = 64;

// Where a field sits in a request: "user_id", "posts[3].author_id", "records[7].post.text",
// "post_ids[2]". Cheap to copy; formatted only when a check fails, so valid requests pay
// nothing for names. The viewed strings must outlive it.
class FieldPath {
 public:
  FieldPath(const char* top_level_field) : field_(top_level_field) {}
  FieldPath(std::string_view top_level_field) : field_(top_level_field) {}
  FieldPath(std::string_view list, std::size_t index) : list_(list), index_(index) {}

  // The record kind inside a list item (Ingest's "records[7].post").
  FieldPath kind(std::string_view record_kind) const;
  FieldPath field(std::string_view name) const;
  std::string str() const;

 private:
  FieldPath() = default;
  std::string_view list_;
  std::size_t index_ = 0;
  std::string_view kind_;
  std::string_view field_;
};

absl::Status invalid(const FieldPath& field, std::string_view why);

absl::Status check_id(const FieldPath& field, std::uint64_t id);
absl::Status check_time(const FieldPath& field, std::int64_t ms);
// Non-empty, at most `max_bytes`, valid UTF-8; `single_line` also forbids control characters.
absl::Status check_text(const FieldPath& field, std::string_view text, std::size_t max_bytes,
                        bool single_line);
// Empty, or as check_text (multi-line).
absl::Status check_optional_text(const FieldPath& field, std::string_view text,
                                 std::size_t max_bytes);
absl::Status check_batch_size(const FieldPath& field, std::size_t size);
// Exactly `dimension` finite values, not all zero (a vector with no direction), of L2 length at
// most kMaxVectorLength.
absl::Status check_vector(const FieldPath& field, std::span<const float> vector, int dimension);
// Post vectors are of unit length, so a query's inner products stay below its length, and a
// kernel's partial sums below its length times sqrt(dimension): far from a float's overflow at
// 3.4e38, which would give infinite or NaN scores (and NaN breaks the ordering of the results).
inline constexpr double kMaxVectorLength = 1e30;

bool is_valid_utf8(std::string_view text);

}  // namespace feedrank::api
