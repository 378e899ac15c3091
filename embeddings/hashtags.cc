#include "embeddings/hashtags.h"

#include <algorithm>

namespace feedrank::embeddings {
namespace {

bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c >= 0x80;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::vector<std::string> extract_hashtags(std::string_view text) {
  std::vector<std::string> tags;
  for (std::size_t i = 0; i < text.size(); ++i) {
    // A '#' inside a word (e.g. "C#") starts no hashtag.
    if (text[i] != '#' || (i > 0 && is_word_byte(text[i - 1]))) continue;
    std::size_t end = i + 1;
    while (end < text.size() && is_word_byte(text[end])) ++end;
    if (end == i + 1) continue;
    std::string tag;
    std::transform(text.begin() + i + 1, text.begin() + end, std::back_inserter(tag), ascii_lower);
    if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(std::move(tag));
    i = end - 1;
  }
  return tags;
}

}  // namespace feedrank::embeddings
