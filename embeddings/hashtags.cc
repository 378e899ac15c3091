#include "embeddings/hashtags.h"

#include <algorithm>

#include "embeddings/tokenizer.h"

namespace feedrank::embeddings {

// The tokenizer decides what a hashtag is, so that features and hashtags agree.
std::vector<std::string> extract_hashtags(std::string_view text) {
  std::vector<std::string> tags;
  for_each_token(text, [&](std::string_view token) {
    if (token.size() < 2 || token.front() != '#') return;
    std::string tag(token.substr(1));
    if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(std::move(tag));
  });
  return tags;
}

}  // namespace feedrank::embeddings
