// The Last.fm HetRec 2011 data set (lastfm-2k) as a stream of IngestRecords. The mapping:
// - users: every id in user_friends.dat or user_taggedartists.dat, handle "lastfm_<id>",
//   created at the day of their first valid tag event (users without one: the earliest day in
//   the data set);
// - follows: one per user_friends.dat row (the file lists each friendship both ways), created at
//   the later of the two users' creation times; self and repeated rows are skipped;
// - posts: one per (user, artist, day) group of valid tag events, at that day 00:00 UTC, public,
//   text "<artist name> #tag ..." (tags in tag-id order); an artist missing from artists.dat is
//   named "artist <id>". Ids are 1, 2, ... in (day, user, artist) order, so by time;
// - engagements: when user v tags artist A on day d, v LIKEs, at d, the most recent earlier
//   posts (days before d) about A by other users, at most max_likes_per_artist for each
//   (v, A) over the whole data set, so the first tags of an artist take them. LIKE because
//   tagging an artist someone posted about is approval, not resharing their post.
// Rows that are malformed (wrong field count, non-numeric or zero user ids) or dated outside
// [first_year, last_year] (lastfm-2k has five: 1956, 1957 and the 1979 outlier) are skipped and
// counted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

#include "absl/status/statusor.h"
#include "feedrank/v1/feedrank.pb.h"

namespace feedrank::datasets {

struct LastfmOptions {
  // Tag events dated outside these years are bad rows; the data set's activity is 2005-2011.
  int first_year = 2000;
  int last_year = 2012;
  // Likes per (user, artist); 3 gives lastfm-2k fewer than 2 likes a post (about 155,000).
  int max_likes_per_artist = 3;
};

struct LastfmCounts {
  std::uint64_t users = 0;
  std::uint64_t follows = 0;
  std::uint64_t posts = 0;
  std::uint64_t engagements = 0;
  std::uint64_t skipped_rows = 0;  // malformed lines, out-of-range dates, self or repeated friends
};

// Reads the folder and emits users, then follows, then posts by time, then engagements by time.
// Everything is read before the first record is emitted, so a missing or unreadable file
// (NOT_FOUND / DATA_LOSS) emits nothing.
absl::StatusOr<LastfmCounts> read_lastfm_dataset(
    const std::filesystem::path& dir, const std::function<void(const v1::IngestRecord&)>& emit,
    const LastfmOptions& options = {});

}  // namespace feedrank::datasets
