// Hashtags in post text: the words after '#', lower-cased, without the '#', first occurrence
// order, no repeats. Non-ASCII letters count as word characters (UTF-8 is kept as is).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace feedrank::embeddings {

std::vector<std::string> extract_hashtags(std::string_view text);

}  // namespace feedrank::embeddings
