#include "tools/datasets/lastfm_text.h"

#include "tools/datasets/text_encoding.h"

namespace feedrank::datasets {
namespace {

// ISO-8859-1 letters: ASCII ones and U+00C0..U+00FF except the multiplication and division signs
// (D7, F7).
bool is_latin1_letter_or_digit(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c >= 0xC0 && c != 0xD7 && c != 0xF7);
}

unsigned char latin1_lower(unsigned char c) {
  const bool upper = (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7);
  return upper ? static_cast<unsigned char>(c + 0x20) : c;
}

}  // namespace

std::string lastfm_hashtag(std::string_view latin1_tag) {
  std::string token;
  bool pending_separator = false;
  for (const char raw : latin1_tag) {
    const auto c = static_cast<unsigned char>(raw);
    if (c == '\'') continue;
    if (!is_latin1_letter_or_digit(c)) {
      pending_separator = !token.empty();
      continue;
    }
    if (pending_separator) token += '_';
    pending_separator = false;
    token += static_cast<char>(latin1_lower(c));
  }
  return latin1_to_utf8(token);
}

std::string lastfm_post_text(std::string_view artist_name,
                             const std::vector<std::string>& hashtags) {
  std::string text(truncate_utf8(artist_name, kMaxPostTextBytes));
  for (const std::string& tag : hashtags) {
    if (tag.empty()) continue;
    const std::size_t separator = text.empty() ? 0 : 1;
    if (text.size() + separator + 1 + tag.size() > kMaxPostTextBytes) continue;
    if (separator != 0) text += ' ';
    text += '#';
    text += tag;
  }
  return text;
}

}  // namespace feedrank::datasets
