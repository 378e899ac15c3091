#include "tools/datasets/text_encoding.h"

#include <unicode/utf8.h>

#include <cstdint>

namespace feedrank::datasets {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

void append_code_point(std::string& out, UChar32 code_point) {
  std::uint8_t bytes[U8_MAX_LENGTH];
  std::int32_t length = 0;
  U8_APPEND_UNSAFE(bytes, length, code_point);
  out.append(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(length));
}

}  // namespace

std::string latin1_to_utf8(std::string_view latin1) {
  std::string utf8;
  utf8.reserve(latin1.size());
  // ISO-8859-1 bytes are the first 256 code points.
  for (const char c : latin1) append_code_point(utf8, static_cast<unsigned char>(c));
  return utf8;
}

std::string repair_utf8(std::string_view text) {
  std::string repaired;
  repaired.reserve(text.size());
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto length = static_cast<std::int32_t>(text.size());
  for (std::int32_t i = 0; i < length;) {
    const std::int32_t start = i;
    UChar32 c;
    U8_NEXT(bytes, i, length, c);  // one ill-formed part at a time, as Unicode recommends
    if (c < 0) {
      repaired += kReplacement;
    } else {
      repaired.append(
          text.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(i - start)));
    }
  }
  return repaired;
}

std::string_view truncate_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  while (end > 0 && U8_IS_TRAIL(static_cast<unsigned char>(text[end]))) --end;
  return text.substr(0, end);
}

}  // namespace feedrank::datasets
