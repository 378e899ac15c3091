#include "tools/simulate/world.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fmt/format.h"
#include "tools/datasets/synthetic_topics.h"

namespace feedrank::simulate {
namespace {

// A taste: this much on a favourite topic, this much on a second, the rest spread evenly.
constexpr double kFavouriteShare = 0.7;
constexpr double kSecondShare = 0.2;
constexpr double kSpreadShare = 1 - kFavouriteShare - kSecondShare;

constexpr std::uint64_t kMinPostWords = 6;
constexpr std::uint64_t kMaxPostWords = 10;

std::string post_text(const datasets::SyntheticTopic& topic, SimulationRandom& random) {
  std::string text;
  const std::uint64_t words = kMinPostWords + random.below(kMaxPostWords - kMinPostWords + 1);
  for (std::uint64_t i = 0; i < words; ++i) {
    if (!text.empty()) text += ' ';
    text += topic.words[random.below(topic.words.size())];
  }
  text += " #";
  text += topic.hashtags[random.below(topic.hashtags.size())];
  return text;
}

// `count` distinct values of [0, n), ascending (Floyd's sampling: count draws, no n-sized array).
std::vector<std::uint32_t> sample_distinct(std::uint32_t count, std::uint32_t n,
                                           SimulationRandom& random) {
  std::vector<std::uint32_t> chosen;
  chosen.reserve(count);
  for (std::uint32_t j = n - count; j < n; ++j) {
    const auto candidate = static_cast<std::uint32_t>(random.below(j + 1));
    const bool taken = std::find(chosen.begin(), chosen.end(), candidate) != chosen.end();
    chosen.push_back(taken ? j : candidate);
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

// The days before the start that the world dates things in: the history, and users and
// follows before it.
std::int64_t days_before_start_ms(const WorldOptions& options, std::int64_t extra_days) {
  return (std::int64_t{options.history_days} + extra_days) * kDayMs;
}

}  // namespace

absl::Status validate_world_options(const WorldOptions& options) {
  const auto invalid = [](const std::string& message) {
    return absl::InvalidArgumentError(message);
  };
  const std::size_t topic_count = datasets::synthetic_topics().size();
  if (options.viewers == 0 || options.viewers > kMaxViewers) {
    return invalid(fmt::format("--viewers: must be 1..{}, got {}", kMaxViewers, options.viewers));
  }
  if (options.authors == 0 || options.authors > kMaxAuthors) {
    return invalid(fmt::format("--authors: must be 1..{}, got {}", kMaxAuthors, options.authors));
  }
  if (options.topics < 2 || options.topics > topic_count) {
    return invalid(fmt::format("--topics: must be 2..{} (the synthetic topics), got {}",
                               topic_count, options.topics));
  }
  if (options.follows_per_viewer > options.authors) {
    return invalid(fmt::format("--follows-per-viewer: {} is more than the {} authors",
                               options.follows_per_viewer, options.authors));
  }
  if (options.follows_per_viewer > kMaxFollowsPerViewer) {
    return invalid(fmt::format("--follows-per-viewer: at most {}, got {}", kMaxFollowsPerViewer,
                               options.follows_per_viewer));
  }
  // Both factors are bounded above: the products fit in 64 bits.
  if (options.viewers * options.follows_per_viewer > kMaxFollows) {
    return invalid(fmt::format("--follows-per-viewer: {} viewers x {} is more than {} follows",
                               options.viewers, options.follows_per_viewer, kMaxFollows));
  }
  if (options.history_days > kMaxHistoryDays) {
    return invalid(
        fmt::format("--history-days: at most {}, got {}", kMaxHistoryDays, options.history_days));
  }
  if (!(options.posts_per_author_per_day > 0) || options.posts_per_author_per_day > 1000) {
    return invalid("--posts-per-author-per-day: must be in (0, 1000]");
  }
  if (const double posts = expected_posts(options, options.history_days); posts > kMaxPosts) {
    return invalid(fmt::format(
        "--posts-per-author-per-day: {} authors x {} a day x {} history days is about {:.0f} "
        "posts, more than {:.0f}",
        options.authors, options.posts_per_author_per_day, options.history_days, posts, kMaxPosts));
  }
  if (options.history_likes_per_viewer > kMaxHistoryLikesPerViewer) {
    return invalid(fmt::format("--history-likes: at most {}, got {}", kMaxHistoryLikesPerViewer,
                               options.history_likes_per_viewer));
  }
  if (options.viewers * options.history_likes_per_viewer > kMaxHistoryLikes) {
    return invalid(fmt::format("--history-likes: {} viewers x {} is more than {} likes",
                               options.viewers, options.history_likes_per_viewer,
                               kMaxHistoryLikes));
  }
  if (options.id_base == 0 || options.id_base > std::numeric_limits<std::uint64_t>::max() / 2) {
    return invalid("--id-base: must be 1..2^63 (ids must be non-zero and leave room)");
  }
  if (options.start_ms <= days_before_start_ms(options, 2)) {
    return invalid("--start-ms: must leave room for the history days before it");
  }
  return absl::OkStatus();
}

double expected_posts(const WorldOptions& options, double days) {
  return static_cast<double>(options.authors) * options.posts_per_author_per_day * days;
}

absl::StatusOr<World> World::create(const WorldOptions& options) {
  if (absl::Status valid = validate_world_options(options); !valid.ok()) return valid;
  World world(options);
  world.add_viewers();
  world.add_history_posts();
  world.add_history_likes();
  return world;
}

World::World(const WorldOptions& options) : options_(options), posts_by_topic_(options.topics) {}

// Authors take the topics in turn, so each topic has as many authors as the others (+-1).
std::uint32_t World::author_topic(std::size_t author) const {
  return static_cast<std::uint32_t>(author % options_.topics);
}

std::span<const double> World::taste(std::size_t viewer) const {
  return std::span<const double>(tastes_).subspan(viewer * options_.topics, options_.topics);
}

std::span<const std::uint32_t> World::followees(std::size_t viewer) const {
  return std::span<const std::uint32_t>(followees_)
      .subspan(viewer * options_.follows_per_viewer, options_.follows_per_viewer);
}

std::string World::topic_name(std::uint32_t topic) const {
  return std::string(datasets::synthetic_topics()[topic].name);
}

std::int64_t World::users_created_at_ms() const {
  return options_.start_ms - days_before_start_ms(options_, 2);
}

std::int64_t World::follows_created_at_ms() const {
  return options_.start_ms - days_before_start_ms(options_, 1);
}

std::optional<std::uint32_t> World::topic_of(std::uint64_t post_id) const {
  if (post_id < options_.id_base || post_id - options_.id_base >= posts_.size()) {
    return std::nullopt;
  }
  return posts_[post_id - options_.id_base].topic;
}

void World::add_viewers() {
  const std::uint32_t topics = options_.topics;
  tastes_.reserve(options_.viewers * topics);
  followees_.reserve(options_.viewers * options_.follows_per_viewer);
  for (std::size_t viewer = 0; viewer < options_.viewers; ++viewer) {
    auto random = SimulationRandom::stream(options_.seed, RandomPurpose::kViewer, viewer);
    const auto favourite = static_cast<std::uint32_t>(random.below(topics));
    // Drawn among the other topics: skip the favourite.
    auto second = static_cast<std::uint32_t>(random.below(topics - 1));
    if (second >= favourite) ++second;
    for (std::uint32_t topic = 0; topic < topics; ++topic) {
      tastes_.push_back(kSpreadShare / topics + (topic == favourite ? kFavouriteShare : 0) +
                        (topic == second ? kSecondShare : 0));
    }
    // Not by taste: see the header.
    const auto followed = sample_distinct(options_.follows_per_viewer,
                                          static_cast<std::uint32_t>(options_.authors), random);
    followees_.insert(followees_.end(), followed.begin(), followed.end());
  }
}

void World::add_posts_by(std::size_t author, double expected, std::int64_t from_ms,
                         std::int64_t to_ms, SimulationRandom& random) {
  const double whole = std::floor(expected);
  const auto count = static_cast<std::uint64_t>(whole) + (random.chance(expected - whole) ? 1 : 0);
  const auto& topic = datasets::synthetic_topics()[author_topic(author)];
  for (std::uint64_t i = 0; i < count; ++i) {
    SimulatedPost post;
    post.id = options_.id_base + posts_.size();
    post.author_id = author_id(author);
    post.topic = author_topic(author);
    post.created_at_ms = from_ms + static_cast<std::int64_t>(
                                       random.below(static_cast<std::uint64_t>(to_ms - from_ms)));
    post.text = post_text(topic, random);
    posts_by_topic_[post.topic].push_back(posts_.size());
    posts_.push_back(std::move(post));
  }
}

void World::add_history_posts() {
  const std::int64_t from_ms = options_.start_ms - days_before_start_ms(options_, 0);
  const double expected = options_.posts_per_author_per_day * options_.history_days;
  for (std::size_t author = 0; author < options_.authors; ++author) {
    auto random = SimulationRandom::stream(options_.seed, RandomPurpose::kHistoryPosts, author);
    add_posts_by(author, expected, from_ms, options_.start_ms, random);
  }
}

std::span<const SimulatedPost> World::publish(std::int64_t from_ms, std::int64_t to_ms,
                                              std::uint64_t round) {
  const std::size_t first = posts_.size();
  const double expected = options_.posts_per_author_per_day * static_cast<double>(to_ms - from_ms) /
                          static_cast<double>(kDayMs);
  for (std::size_t author = 0; author < options_.authors; ++author) {
    auto random =
        SimulationRandom::stream(options_.seed, RandomPurpose::kRoundPosts, round, author);
    add_posts_by(author, expected, from_ms, to_ms, random);
  }
  return std::span<const SimulatedPost>(posts_).subspan(first);
}

std::optional<std::uint64_t> World::pick_post_for_taste(std::size_t viewer,
                                                        SimulationRandom& random) const {
  const std::vector<std::size_t>& candidates = posts_by_topic_[random.pick(taste(viewer))];
  if (candidates.empty()) return std::nullopt;
  return posts_[candidates[random.below(candidates.size())]].id;
}

void World::add_history_likes() {
  for (std::size_t viewer = 0; viewer < options_.viewers; ++viewer) {
    auto random = SimulationRandom::stream(options_.seed, RandomPurpose::kHistoryLikes, viewer);
    const std::size_t first = history_likes_.size();
    for (std::uint32_t i = 0; i < options_.history_likes_per_viewer; ++i) {
      const auto post_id = pick_post_for_taste(viewer, random);
      if (!post_id) continue;
      const bool repeated = std::any_of(
          history_likes_.begin() + static_cast<std::ptrdiff_t>(first), history_likes_.end(),
          [&](const SimulatedLike& like) { return like.post_id == *post_id; });
      if (repeated) continue;
      const SimulatedPost& post = posts_[*post_id - options_.id_base];
      const auto span = static_cast<std::uint64_t>(options_.start_ms - post.created_at_ms);
      // Strictly after the post and before the start.
      const std::int64_t at_ms =
          post.created_at_ms + 1 + static_cast<std::int64_t>(random.below(span > 1 ? span - 1 : 1));
      history_likes_.push_back({viewer_id(viewer), *post_id, at_ms});
    }
  }
}

}  // namespace feedrank::simulate
