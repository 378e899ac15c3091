#include "embeddings/hashtags.h"

#include <algorithm>

#include "embeddings/tokenizer.h"

namespace feedrank::embeddings {

// The tokenizer decides what a hashtag is, so that features and hashtags agree.
std::vector<std::string> extract_hashtags(std::string_view text) {
  std::vector<std::string> tags;
  for_each_token(text, [&](std::string_view token) { collect_hashtag(token, tags); });
  return tags;
}

void collect_hashtag(std::string_view token, std::vector<std::string>& tags) {
  if (token.size() < 2 || token.front() != '#') return;
  const std::string_view tag = token.substr(1);
  if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.emplace_back(tag);
}

}  // namespace feedrank::embeddings
