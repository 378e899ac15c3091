// Splits post text into lower-case tokens: words (Unicode letters, digits, '_', with combining
// marks and inner apostrophes), "#hashtags", "@mentions", and URLs reduced to their host.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"

namespace feedrank::embeddings {

// Calls `token` with each token of `utf8`, in text order; the view is valid during the call
// only. This is the allocation-light form the embedder uses on its hot path.
//
// - Words are runs of ICU alphanumerics and '_', plus combining marks after the first
//   character; each code point is case-folded (ICU simple folding), so "CAFÉ" -> "café".
//   Apostrophes (' and U+2019) between word characters are dropped: "don't" -> "dont".
//   Text is not Unicode-normalised: NFC and NFD spellings of a word give different tokens.
// - '#' or '@' before a word, and not after a word character, keeps its prefix: "#tag", "@name".
// - "http://", "https://" and "www." at a word start become the host, lower-case, without a
//   leading "www.", port, path or query; the rest of the URL up to whitespace is skipped.
// - Bytes that are not valid UTF-8 act as separators.
void for_each_token(std::string_view utf8, absl::FunctionRef<void(std::string_view)> token);

// The tokens of `utf8` as strings (tests, tools).
std::vector<std::string> tokenize(std::string_view utf8);

}  // namespace feedrank::embeddings
