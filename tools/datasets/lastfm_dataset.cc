#include "tools/datasets/lastfm_dataset.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tools/datasets/lastfm_text.h"
#include "tools/datasets/tab_separated.h"
#include "tools/datasets/text_encoding.h"

namespace feedrank::datasets {
namespace {

using Day = std::int64_t;  // days since the Unix epoch
constexpr std::int64_t kMsPerDay = std::int64_t{24} * 60 * 60 * 1000;

// Member order is the sort order: by day first, so posts come out by time.
struct TagEvent {
  Day day;
  std::uint64_t user;
  std::uint64_t artist;
  std::uint64_t tag;
  auto operator<=>(const TagEvent&) const = default;
};

// What the files hold, before mapping to records.
struct LastfmTables {
  std::unordered_map<std::uint64_t, std::string> artist_names;  // UTF-8
  std::unordered_map<std::uint64_t, std::string> hashtags;      // tag id -> token
  std::set<std::pair<std::uint64_t, std::uint64_t>> friendships;  // both ways
  std::set<std::pair<std::uint64_t, std::uint64_t>> friend_rows;  // as listed, to tell repeats
  std::set<std::uint64_t> users;
  std::vector<TagEvent> events;
  std::uint64_t skipped_rows = 0;
};

struct MappedPost {
  std::uint64_t id;
  std::uint64_t author;
  std::uint64_t artist;
  Day day;
  std::string text;
};

struct MappedEngagement {
  Day day;
  std::uint64_t user;
  std::uint64_t post;
  auto operator<=>(const MappedEngagement&) const = default;
};

std::optional<Day> valid_day(std::uint64_t day, std::uint64_t month, std::uint64_t year,
                             const LastfmOptions& options) {
  if (year < static_cast<std::uint64_t>(options.first_year) ||
      year > static_cast<std::uint64_t>(options.last_year) || month < 1 || month > 12 || day < 1 ||
      day > 31) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(static_cast<int>(year)),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;  // e.g. 31 April
  return std::chrono::sys_days(date).time_since_epoch().count();
}

absl::Status read_tables(const std::filesystem::path& dir, const LastfmOptions& options,
                         LastfmTables& tables) {
  using Fields = std::vector<std::string_view>;
  absl::Status status = for_each_tsv_row(dir / "artists.dat", [&](const Fields& fields) {
    const auto id = fields.size() >= 2 ? parse_decimal(fields[0]) : std::nullopt;
    if (!id) return void(++tables.skipped_rows);
    tables.artist_names[*id] = repair_utf8(fields[1]);
  });
  if (!status.ok()) return status;

  status = for_each_tsv_row(dir / "tags.dat", [&](const Fields& fields) {
    const auto id = fields.size() == 2 ? parse_decimal(fields[0]) : std::nullopt;
    if (!id) return void(++tables.skipped_rows);
    tables.hashtags[*id] = lastfm_hashtag(fields[1]);
  });
  if (!status.ok()) return status;

  status = for_each_tsv_row(dir / "user_friends.dat", [&](const Fields& fields) {
    const auto user = fields.size() == 2 ? parse_decimal(fields[0]) : std::nullopt;
    const auto friend_id = fields.size() == 2 ? parse_decimal(fields[1]) : std::nullopt;
    if (!user || !friend_id || *user == 0 || *friend_id == 0) return void(++tables.skipped_rows);
    tables.users.insert({*user, *friend_id});
    if (*user == *friend_id || !tables.friend_rows.emplace(*user, *friend_id).second) {
      return void(++tables.skipped_rows);
    }
    // A friendship is mutual: follows both ways (lastfm-2k lists both directions, a copy that
    // lists one would otherwise lose half).
    tables.friendships.emplace(*user, *friend_id);
    tables.friendships.emplace(*friend_id, *user);
  });
  if (!status.ok()) return status;

  return for_each_tsv_row(dir / "user_taggedartists.dat", [&](const Fields& fields) {
    std::optional<std::uint64_t> values[6];
    if (fields.size() != 6) return void(++tables.skipped_rows);
    for (std::size_t i = 0; i < 6; ++i) values[i] = parse_decimal(fields[i]);
    // Ids must be non-zero for the API.
    if (!std::all_of(std::begin(values), std::end(values), [](auto& v) { return v.has_value(); }) ||
        *values[0] == 0) {
      return void(++tables.skipped_rows);
    }
    // A well-formed row names a real user even when its date is bad.
    tables.users.insert(*values[0]);
    const auto day = valid_day(*values[3], *values[4], *values[5], options);
    if (!day) return void(++tables.skipped_rows);
    tables.events.push_back({*day, *values[0], *values[1], *values[2]});
  });
}

// One post per (day, user, artist) group of the sorted events, ids in that order.
std::vector<MappedPost> map_posts(LastfmTables& tables) {
  std::sort(tables.events.begin(), tables.events.end());
  std::vector<MappedPost> posts;
  std::vector<std::string> hashtags;
  for (std::size_t begin = 0, end = 0; begin < tables.events.size(); begin = end) {
    const TagEvent& first = tables.events[begin];
    hashtags.clear();
    for (end = begin;
         end < tables.events.size() &&
         std::tie(tables.events[end].day, tables.events[end].user, tables.events[end].artist) ==
             std::tie(first.day, first.user, first.artist);
         ++end) {
      const auto tag = tables.hashtags.find(tables.events[end].tag);
      if (tag != tables.hashtags.end() &&
          std::find(hashtags.begin(), hashtags.end(), tag->second) == hashtags.end()) {
        hashtags.push_back(tag->second);
      }
    }
    const auto name = tables.artist_names.find(first.artist);
    const std::string artist = name != tables.artist_names.end() && !name->second.empty()
                                   ? name->second
                                   : "artist " + std::to_string(first.artist);
    posts.push_back({posts.size() + 1, first.user, first.artist, first.day,
                     lastfm_post_text(artist, hashtags)});
  }
  return posts;
}

// See the header: a user's later tags of an artist like the most recent earlier posts about it.
std::vector<MappedEngagement> map_engagements(const std::vector<MappedPost>& posts,
                                              int max_likes_per_artist) {
  std::map<std::uint64_t, std::vector<std::size_t>> posts_by_artist;  // indexes, by time
  for (std::size_t i = 0; i < posts.size(); ++i) posts_by_artist[posts[i].artist].push_back(i);

  std::vector<MappedEngagement> engagements;
  for (const auto& [artist, indexes] : posts_by_artist) {
    std::map<std::uint64_t, std::set<std::uint64_t>> liked;  // user -> posts about this artist
    std::size_t first_same_day = 0;
    for (const std::size_t index : indexes) {
      const MappedPost& later = posts[index];
      while (posts[indexes[first_same_day]].day < later.day) ++first_same_day;
      std::set<std::uint64_t>& likes = liked[later.author];
      for (std::size_t k = first_same_day;
           k > 0 && likes.size() < static_cast<std::size_t>(max_likes_per_artist); --k) {
        const MappedPost& earlier = posts[indexes[k - 1]];
        if (earlier.author != later.author && likes.insert(earlier.id).second) {
          engagements.push_back({later.day, later.author, earlier.id});
        }
      }
    }
  }
  std::sort(engagements.begin(), engagements.end());
  return engagements;
}

}  // namespace

absl::StatusOr<LastfmCounts> read_lastfm_dataset(
    const std::filesystem::path& dir, const std::function<void(const v1::IngestRecord&)>& emit,
    const LastfmOptions& options) {
  LastfmTables tables;
  if (absl::Status status = read_tables(dir, options, tables); !status.ok()) return status;
  const std::vector<MappedPost> posts = map_posts(tables);
  const std::vector<MappedEngagement> engagements =
      map_engagements(posts, options.max_likes_per_artist);

  // Users exist from their first post; those who never posted, from the first post of all.
  const Day earliest = posts.empty()
                           ? std::chrono::sys_days(std::chrono::year(options.first_year) / 1 / 1)
                                 .time_since_epoch()
                                 .count()
                           : posts.front().day;
  std::unordered_map<std::uint64_t, Day> created;
  for (const std::uint64_t user : tables.users) created[user] = earliest;
  for (auto it = posts.rbegin(); it != posts.rend(); ++it) created[it->author] = it->day;

  v1::IngestRecord record;
  for (const std::uint64_t id : tables.users) {
    v1::User* user = record.mutable_user();
    user->set_id(id);
    user->set_handle("lastfm_" + std::to_string(id));
    user->set_created_at_ms(created[id] * kMsPerDay);
    emit(record);
  }
  for (const auto& [follower, followee] : tables.friendships) {
    v1::FollowEdge* edge = record.mutable_follow();
    edge->set_follower_id(follower);
    edge->set_followee_id(followee);
    edge->set_created_at_ms(std::max(created[follower], created[followee]) * kMsPerDay);
    emit(record);
  }
  for (const MappedPost& mapped : posts) {
    v1::Post* post = record.mutable_post();
    post->set_id(mapped.id);
    post->set_author_id(mapped.author);
    post->set_text(mapped.text);
    post->set_created_at_ms(mapped.day * kMsPerDay);
    post->set_visibility(v1::VISIBILITY_PUBLIC);
    emit(record);
  }
  for (const MappedEngagement& mapped : engagements) {
    v1::Engagement* engagement = record.mutable_engagement();
    engagement->set_user_id(mapped.user);
    engagement->set_post_id(mapped.post);
    engagement->set_kind(v1::ENGAGEMENT_KIND_LIKE);
    engagement->set_at_ms(mapped.day * kMsPerDay);
    emit(record);
  }
  return LastfmCounts{.users = tables.users.size(),
                      .follows = tables.friendships.size(),
                      .posts = posts.size(),
                      .engagements = engagements.size(),
                      .skipped_rows = tables.skipped_rows};
}

}  // namespace feedrank::datasets
