#include "ranker/feed_cursor.h"

#include <array>
#include <cstdint>

#include "absl/strings/escaping.h"

namespace feedrank::ranker {
namespace {

// Versions 1 (chronological) and 2 (ranked lists) are still read: cursors issued before version 3
// added `shown` (the page's position in the whole feed) and `arm_tag` keep working across an
// upgrade.
constexpr std::uint8_t kKeysetVersion = 1;
constexpr std::uint8_t kRankedVersion = 2;
constexpr std::uint8_t kCurrentVersion = 3;
// version(1) mode(1) viewer(8) created_at or list(8) post or offset(8)
// [shown(8) arm_tag(8), v3] checksum(8)
constexpr std::size_t kOldPayloadSize = 26;
constexpr std::size_t kPayloadSize = 42;

void put_u64(std::string& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

std::uint64_t get_u64(std::string_view in, std::size_t pos) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i)
    value = (value << 8) | static_cast<unsigned char>(in[pos + i]);
  return value;
}

// FNV-1a: detects corruption and hand-edited cursors; not meant as a secret.
std::uint64_t checksum(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) hash = (hash ^ c) * 0x100000001b3ULL;
  return hash;
}

absl::Status invalid(std::string_view why) {
  return absl::InvalidArgumentError(std::string("cursor: ") + std::string(why));
}

// Ranked lists (algorithmic and interleaved feeds) keep an offset; the chronological feed a
// keyset position.
bool is_ranked(FeedMode mode) { return mode != FeedMode::kChronological; }

}  // namespace

std::string encode_cursor(const FeedCursor& cursor) {
  std::string bytes;
  const bool ranked = is_ranked(cursor.mode);
  bytes.push_back(static_cast<char>(kCurrentVersion));
  bytes.push_back(static_cast<char>(cursor.mode));
  put_u64(bytes, cursor.viewer);
  put_u64(bytes,
          ranked ? cursor.ranked_list : static_cast<std::uint64_t>(cursor.last_shown.created_at));
  put_u64(bytes, ranked ? cursor.offset : cursor.last_shown.id);
  put_u64(bytes, cursor.shown);
  put_u64(bytes, cursor.arm_tag);
  put_u64(bytes, checksum(bytes));
  return absl::WebSafeBase64Escape(bytes);
}

absl::StatusOr<FeedCursor> decode_cursor(std::string_view text) {
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(absl::string_view(text.data(), text.size()), &bytes) ||
      (bytes.size() != kPayloadSize + 8 && bytes.size() != kOldPayloadSize + 8)) {
    return invalid("not a cursor issued by this service");
  }
  const std::size_t payload = bytes.size() - 8;
  if (get_u64(bytes, payload) != checksum(std::string_view(bytes).substr(0, payload))) {
    return invalid("checksum mismatch (corrupted cursor)");
  }
  const auto version = static_cast<std::uint8_t>(bytes[0]);
  const bool current = version == kCurrentVersion && payload == kPayloadSize;
  const bool old = (version == kKeysetVersion || version == kRankedVersion) &&
                   payload == kOldPayloadSize;
  if (!current && !old) return invalid("unsupported cursor version");
  const auto mode = static_cast<std::uint8_t>(bytes[1]);
  if (mode > static_cast<std::uint8_t>(FeedMode::kInterleaved)) return invalid("unknown feed mode");
  FeedCursor cursor;
  cursor.mode = static_cast<FeedMode>(mode);
  if (old && (cursor.mode == FeedMode::kInterleaved ||
              is_ranked(cursor.mode) != (version == kRankedVersion))) {
    return invalid("cursor version does not match its mode");
  }
  cursor.viewer = get_u64(bytes, 2);
  if (is_ranked(cursor.mode)) {
    cursor.ranked_list = get_u64(bytes, 10);
    cursor.offset = get_u64(bytes, 18);
  } else {
    cursor.last_shown.created_at = static_cast<TimestampMs>(get_u64(bytes, 10));
    cursor.last_shown.id = get_u64(bytes, 18);
  }
  if (current) {
    cursor.shown = get_u64(bytes, 26);
    cursor.arm_tag = get_u64(bytes, 34);
  }
  return cursor;
}

}  // namespace feedrank::ranker
