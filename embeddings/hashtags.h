// Hashtags in post text: the tokenizer's '#' tokens (lower-cased, Unicode-aware), without the
// '#', in first-occurrence order, no repeats.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace feedrank::embeddings {

std::vector<std::string> extract_hashtags(std::string_view text);

}  // namespace feedrank::embeddings
