// Post text for the Last.fm data set: an artist's name followed by the user's tags as hashtags.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace feedrank::datasets {

inline constexpr std::size_t kMaxPostTextBytes = 4096;  // the API's limit

// The hashtag token (without '#') for a tag read from tags.dat, which is ISO-8859-1: letters
// lower-cased, apostrophes dropped ("80's" -> "80s"), every other run of non-letters and
// non-digits turned into one '_' and trimmed at the ends ("Hip-Hop / Rap" -> "hip_hop_rap").
// Returns UTF-8; empty when the tag has no letter or digit.
std::string lastfm_hashtag(std::string_view latin1_tag);

// "<artist> #tag1 #tag2 ...": hashtags that would not fit in kMaxPostTextBytes are left out
// whole; an over-long artist name is cut at a character boundary. `artist_name` is UTF-8.
std::string lastfm_post_text(std::string_view artist_name,
                             const std::vector<std::string>& hashtags);

}  // namespace feedrank::datasets
