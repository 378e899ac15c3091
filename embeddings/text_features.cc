#include "embeddings/text_features.h"

#include <xxhash.h>

#include <algorithm>
#include <array>

#include "embeddings/hashtags.h"
#include "embeddings/tokenizer.h"

namespace feedrank::embeddings {
namespace {

// Distinct seeds keep a unigram from ever sharing a key with a bigram by construction.
constexpr XXH64_hash_t kUnigramSeed = 0x9E3779B97F4A7C15ULL;
constexpr XXH64_hash_t kBigramSeed = 0xC2B2AE3D27D4EB4FULL;

// The pair is hashed from its bytes in little-endian order, so keys do not depend on the
// machine's byte order.
std::uint64_t bigram_key(std::uint64_t first, std::uint64_t second) {
  std::array<unsigned char, 16> bytes;
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<unsigned char>(first >> (8 * i));
    bytes[8 + i] = static_cast<unsigned char>(second >> (8 * i));
  }
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), kBigramSeed);
}

}  // namespace

void extract_text_features(std::string_view text, std::vector<TextFeature>& features,
                           std::vector<std::string>* hashtags) {
  features.clear();
  if (hashtags) hashtags->clear();
  std::uint64_t previous = 0;
  bool has_previous = false;
  for_each_token(text, [&](std::string_view token) {
    if (hashtags) collect_hashtag(token, *hashtags);
    const std::uint64_t key = XXH3_64bits_withSeed(token.data(), token.size(), kUnigramSeed);
    features.push_back({key, 1, false});
    if (has_previous) features.push_back({bigram_key(previous, key), 1, true});
    previous = key;
    has_previous = true;
  });
  std::sort(features.begin(), features.end(),
            [](const TextFeature& a, const TextFeature& b) { return a.key < b.key; });
  // Merge runs of equal keys in place into (key, count).
  std::size_t out = 0;
  for (std::size_t i = 0; i < features.size();) {
    std::size_t j = i;
    while (j < features.size() && features[j].key == features[i].key) ++j;
    features[out++] = {features[i].key, static_cast<std::uint32_t>(j - i), features[i].bigram};
    i = j;
  }
  features.resize(out);
}

}  // namespace feedrank::embeddings
