#include "api/field_checks.h"

#include <unicode/utf8.h>

#include <cmath>

#include "fmt/format.h"

namespace feedrank::api {

FieldPath FieldPath::kind(std::string_view record_kind) const {
  FieldPath path = *this;
  path.kind_ = record_kind;
  return path;
}

FieldPath FieldPath::field(std::string_view name) const {
  FieldPath path = *this;
  path.field_ = name;
  return path;
}

std::string FieldPath::str() const {
  if (list_.empty()) return std::string(field_);
  std::string out = fmt::format("{}[{}]", list_, index_);
  if (!kind_.empty()) out += fmt::format(".{}", kind_);
  if (!field_.empty()) out += fmt::format(".{}", field_);
  return out;
}

absl::Status invalid(const FieldPath& field, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", field.str(), why));
}

absl::Status check_id(const FieldPath& field, std::uint64_t id) {
  return id == 0 ? invalid(field, "required (must be non-zero)") : absl::OkStatus();
}

absl::Status check_time(const FieldPath& field, std::int64_t ms) {
  return ms <= 0 ? invalid(field, "required (milliseconds since the epoch, > 0)")
                 : absl::OkStatus();
}

namespace {

// Unicode's control characters (general category Cc): U+0000-U+001F and U+007F-U+009F. The
// second range is two bytes in UTF-8 (U+0085, "next line", breaks lines too). `text` is UTF-8.
bool has_control_character(std::string_view text) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto length = static_cast<std::int32_t>(text.size());
  for (std::int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

}  // namespace

absl::Status check_text(const FieldPath& field, std::string_view text, std::size_t max_bytes,
                        bool single_line) {
  if (text.empty()) return invalid(field, "required (must not be empty)");
  if (text.size() > max_bytes) {
    return invalid(field, fmt::format("too long ({} bytes, at most {})", text.size(), max_bytes));
  }
  if (!is_valid_utf8(text)) return invalid(field, "not valid UTF-8");
  if (single_line && has_control_character(text)) {
    return invalid(field, "must not contain control characters");
  }
  return absl::OkStatus();
}

absl::Status check_optional_text(const FieldPath& field, std::string_view text,
                                 std::size_t max_bytes) {
  if (text.empty()) return absl::OkStatus();
  return check_text(field, text, max_bytes, /*single_line=*/false);
}

absl::Status check_batch_size(const FieldPath& field, std::size_t size) {
  if (size == 0) return invalid(field, "at least one item is required");
  if (size > kMaxBatchItems) {
    return invalid(field, fmt::format("too many items ({}, at most {})", size, kMaxBatchItems));
  }
  return absl::OkStatus();
}

bool is_valid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto length = static_cast<std::int32_t>(text.size());
  for (std::int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);  // negative for ill-formed, overlong or surrogate sequences
    if (c < 0) return false;
  }
  return true;
}

absl::Status check_vector(const FieldPath& field, std::span<const float> vector, int dimension) {
  if (vector.size() != static_cast<std::size_t>(dimension)) {
    return invalid(field, fmt::format("dimension {}, but this server's vectors have {}",
                                      vector.size(), dimension));
  }
  bool all_zero = true;
  double squared = 0.0;
  for (float x : vector) {
    if (!std::isfinite(x)) return invalid(field, "contains NaN or infinity");
    all_zero = all_zero && x == 0.0f;
    squared += static_cast<double>(x) * x;
  }
  if (all_zero) return invalid(field, "must not be all zeros");
  if (const double length = std::sqrt(squared); length > kMaxVectorLength) {
    return invalid(field, fmt::format("L2 length {:.3g} is over {:g}: scores would overflow",
                                      length, kMaxVectorLength));
  }
  return absl::OkStatus();
}

}  // namespace feedrank::api
