// Hashtags in post text: the tokenizer's '#' tokens (lower-cased, Unicode-aware), without the
// '#', in first-occurrence order, no repeats.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace feedrank::embeddings {

std::vector<std::string> extract_hashtags(std::string_view text);

// Appends the hashtag of one token to `tags` if the token is a hashtag not yet in `tags`: the rule
// extract_hashtags() and extract_text_features() share.
void collect_hashtag(std::string_view token, std::vector<std::string>& tags);

}  // namespace feedrank::embeddings
