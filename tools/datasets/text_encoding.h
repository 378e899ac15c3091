// Byte-level text helpers for data sets whose encoding we do not control.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace feedrank::datasets {

// ISO-8859-1 bytes -> UTF-8 (every byte is a code point of the same value).
std::string latin1_to_utf8(std::string_view latin1);

// Copies `text`, replacing each maximal ill-formed UTF-8 subpart by one U+FFFD (Unicode's
// recommended practice: "\xE2\x9C" cut off at the end is one replacement, not two).
std::string repair_utf8(std::string_view text);

// The longest prefix of valid UTF-8 `text` within `max_bytes` that does not split a character.
std::string_view truncate_utf8(std::string_view text, std::size_t max_bytes);

}  // namespace feedrank::datasets
