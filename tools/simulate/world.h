// The simulated world, known only to the simulator: T topics, authors who each write on one
// topic, viewers with a hidden taste (a probability vector over topics, concentrated on one or two)
// who follow random authors, and every post the simulator created, with its topic. Pure: no
// server, and the same options give the same world on every machine.
//
// Viewers follow authors regardless of taste (in a social network you follow friends whose posts
// are not all interesting to you), so a chronological feed is mostly off-taste: what a ranking
// that learns tastes can improve on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/simulate/simulation_random.h"

namespace feedrank::simulate {

inline constexpr std::int64_t kHourMs = 3600LL * 1000;
inline constexpr std::int64_t kDayMs = 24 * kHourMs;

// Bounds on a world's size, checked before anything is allocated: they keep the arithmetic far
// from overflowing and a mistyped flag from running away (they do not promise the memory).
inline constexpr std::uint64_t kMaxViewers = 100'000'000;
inline constexpr std::uint64_t kMaxAuthors = 100'000'000;
inline constexpr std::uint32_t kMaxHistoryDays = 36'500;  // a century
// Per viewer: the draws take time quadratic in these.
inline constexpr std::uint32_t kMaxFollowsPerViewer = 10'000;
inline constexpr std::uint32_t kMaxHistoryLikesPerViewer = 10'000;
inline constexpr std::uint64_t kMaxFollows = 1'000'000'000;       // viewers x follows per viewer
inline constexpr std::uint64_t kMaxHistoryLikes = 1'000'000'000;  // viewers x likes per viewer
// Posts expected over the history and, in a simulation, its rounds.
inline constexpr double kMaxPosts = 100'000'000;

struct WorldOptions {
  std::uint64_t viewers = 10000;
  std::uint64_t authors = 500;
  std::uint32_t topics = 8;  // 2..the synthetic corpus' topic count (12)
  std::uint32_t follows_per_viewer = 20;
  std::uint32_t history_days = 7;
  double posts_per_author_per_day = 2;
  std::uint32_t history_likes_per_viewer = 5;  // organic likes before the start: the feed's signal
  std::uint64_t seed = 1;
  // Users (viewers, then authors) and posts are numbered from here, so a simulation does not
  // collide with data already in the server.
  std::uint64_t id_base = 1'000'000'000'000ULL;
  std::int64_t start_ms = 0;  // the experiment starts here; history is the days before it
};

struct SimulatedPost {
  std::uint64_t id = 0;
  std::uint64_t author_id = 0;
  std::uint32_t topic = 0;
  std::int64_t created_at_ms = 0;
  std::string text;  // words of the topic and one of its hashtags
};

struct SimulatedLike {
  std::uint64_t viewer_id = 0;
  std::uint64_t post_id = 0;
  std::int64_t at_ms = 0;
};

// INVALID_ARGUMENT naming the flag ("--topics: ...") when the options cannot make a world, or
// one within the bounds above.
absl::Status validate_world_options(const WorldOptions& options);

// Posts the authors write on average over `days`.
double expected_posts(const WorldOptions& options, double days);

class World {
 public:
  // validate_world_options' errors, checked before anything is built.
  static absl::StatusOr<World> create(const WorldOptions& options);

  const WorldOptions& options() const { return options_; }
  std::uint64_t viewer_id(std::size_t viewer) const { return options_.id_base + viewer; }
  std::uint64_t author_id(std::size_t author) const {
    return options_.id_base + options_.viewers + author;
  }
  std::uint32_t author_topic(std::size_t author) const;
  std::span<const double> taste(std::size_t viewer) const;
  std::span<const std::uint32_t> followees(std::size_t viewer) const;  // author indexes, ascending
  std::string topic_name(std::uint32_t topic) const;

  // Users and follows date from before the history.
  std::int64_t users_created_at_ms() const;
  std::int64_t follows_created_at_ms() const;

  // Every post created so far: the history's, then each publish()'s. Ids are contiguous from
  // id_base (a separate id space from users').
  std::span<const SimulatedPost> posts() const { return posts_; }
  // The topic of a post this world created; nullopt for any other post id.
  std::optional<std::uint32_t> topic_of(std::uint64_t post_id) const;

  // Likes before the start: each viewer's history_likes_per_viewer posts of topics drawn from
  // their taste, at random across the history, each at a random time between the post and the
  // start. A viewer never likes a post twice.
  std::span<const SimulatedLike> history_likes() const { return history_likes_; }

  // Every author posts about posts_per_author_per_day a day in [from_ms, to_ms); `round` keys the
  // random streams. Returns the new posts (valid until the next publish).
  std::span<const SimulatedPost> publish(std::int64_t from_ms, std::int64_t to_ms,
                                         std::uint64_t round);

  // A post of a topic drawn from the viewer's taste, uniformly among that topic's posts so far;
  // nullopt when the topic has none.
  std::optional<std::uint64_t> pick_post_for_taste(std::size_t viewer,
                                                   SimulationRandom& random) const;

 private:
  explicit World(const WorldOptions& options);
  void add_viewers();
  void add_history_posts();
  void add_history_likes();
  // `expected` posts on average (the fraction decided by a coin), dated uniformly in [from, to).
  void add_posts_by(std::size_t author, double expected, std::int64_t from_ms, std::int64_t to_ms,
                    SimulationRandom& random);

  WorldOptions options_;
  std::vector<double> tastes_;            // viewers x topics
  std::vector<std::uint32_t> followees_;  // viewers x follows_per_viewer
  std::vector<SimulatedPost> posts_;
  std::vector<std::vector<std::size_t>> posts_by_topic_;  // indexes into posts_
  std::vector<SimulatedLike> history_likes_;
};

}  // namespace feedrank::simulate
