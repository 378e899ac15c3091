// The sparse features of a post's text: its unigrams and bigrams (adjacent tokens), as stable
// 64-bit keys with their counts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace feedrank::embeddings {

struct TextFeature {
  std::uint64_t key = 0;    // XXH3 of the token (or token pair); the same on every machine
  std::uint32_t count = 0;  // occurrences within the text
  bool bigram = false;      // a pair of adjacent tokens rather than one token
  friend bool operator==(const TextFeature&, const TextFeature&) = default;
};

// Replaces `features` with those of `text`, sorted by key, one entry per distinct key. Reusing
// one vector across calls avoids an allocation per post. When `hashtags` is given, it receives
// the text's hashtags (as extract_hashtags() gives them) from the same tokenizer pass.
void extract_text_features(std::string_view text, std::vector<TextFeature>& features,
                           std::vector<std::string>* hashtags = nullptr);

}  // namespace feedrank::embeddings
