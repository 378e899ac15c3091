// The vocabulary of the synthetic corpus: topics, each with its own words and hashtags, and a
// few filler words shared by all of them.
#pragma once

#include <span>
#include <string_view>

namespace feedrank::datasets {

struct SyntheticTopic {
  std::string_view name;
  std::span<const std::string_view> words;     // 30+ words used by this topic only
  std::span<const std::string_view> hashtags;  // without '#'
};

std::span<const SyntheticTopic> synthetic_topics();

// Everyday words any post may contain, so topics are not perfectly separable by vocabulary.
std::span<const std::string_view> synthetic_filler_words();

}  // namespace feedrank::datasets
