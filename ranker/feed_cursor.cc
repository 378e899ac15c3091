#include "ranker/feed_cursor.h"

#include <array>
#include <cstdint>

#include "absl/strings/escaping.h"

namespace feedrank::ranker {
namespace {

constexpr std::uint8_t kKeysetVersion = 1;  // chronological
constexpr std::uint8_t kRankedVersion = 2;  // algorithmic
// version(1) mode(1) viewer(8) created_at or list(8) post or offset(8) checksum(8)
constexpr std::size_t kPayloadSize = 26;
constexpr std::size_t kEncodedSize = kPayloadSize + 8;

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

}  // namespace

std::string encode_cursor(const FeedCursor& cursor) {
  std::string bytes;
  const bool ranked = cursor.mode == FeedMode::kAlgorithmic;
  bytes.push_back(static_cast<char>(ranked ? kRankedVersion : kKeysetVersion));
  bytes.push_back(static_cast<char>(cursor.mode));
  put_u64(bytes, cursor.viewer);
  put_u64(bytes,
          ranked ? cursor.ranked_list : static_cast<std::uint64_t>(cursor.last_shown.created_at));
  put_u64(bytes, ranked ? cursor.offset : cursor.last_shown.id);
  put_u64(bytes, checksum(bytes));
  return absl::WebSafeBase64Escape(bytes);
}

absl::StatusOr<FeedCursor> decode_cursor(std::string_view text) {
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(absl::string_view(text.data(), text.size()), &bytes) ||
      bytes.size() != kEncodedSize) {
    return invalid("not a cursor issued by this service");
  }
  if (get_u64(bytes, kPayloadSize) != checksum(std::string_view(bytes).substr(0, kPayloadSize))) {
    return invalid("checksum mismatch (corrupted cursor)");
  }
  const auto version = static_cast<std::uint8_t>(bytes[0]);
  if (version != kKeysetVersion && version != kRankedVersion) {
    return invalid("unsupported cursor version");
  }
  const auto mode = static_cast<std::uint8_t>(bytes[1]);
  if (mode > static_cast<std::uint8_t>(FeedMode::kAlgorithmic)) return invalid("unknown feed mode");
  FeedCursor cursor;
  cursor.mode = static_cast<FeedMode>(mode);
  if ((cursor.mode == FeedMode::kAlgorithmic) != (version == kRankedVersion)) {
    return invalid("cursor version does not match its mode");
  }
  cursor.viewer = get_u64(bytes, 2);
  if (version == kRankedVersion) {
    cursor.ranked_list = get_u64(bytes, 10);
    cursor.offset = get_u64(bytes, 18);
  } else {
    cursor.last_shown.created_at = static_cast<TimestampMs>(get_u64(bytes, 10));
    cursor.last_shown.id = get_u64(bytes, 18);
  }
  return cursor;
}

}  // namespace feedrank::ranker
