#include "tools/datasets/synthetic_corpus.h"

#include <algorithm>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "tools/datasets/deterministic_random.h"
#include "tools/datasets/synthetic_topics.h"

namespace feedrank::datasets {
namespace {

constexpr std::int64_t kMinuteMs = std::int64_t{60} * 1000;
constexpr std::int64_t kHourMs = 60 * kMinuteMs;
constexpr std::int64_t kDayMs = 24 * kHourMs;
constexpr std::int64_t kPostsStartMs = 1'704'067'200'000;  // 2024-01-01T00:00:00Z
constexpr std::int64_t kPostsWindowMs = 30 * kDayMs;

// Picks items with probability proportional to integer weights (exact on every machine).
class WeightedPicker {
 public:
  void add(std::uint32_t item, std::uint64_t weight) {
    total_ += weight;
    items_.push_back(item);
    cumulative_.push_back(total_);
  }
  bool empty() const { return items_.empty(); }
  std::uint32_t pick(DeterministicRandom& random) const {
    const std::uint64_t target = random.below(total_);
    const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), target);
    return items_[static_cast<std::size_t>(it - cumulative_.begin())];
  }

 private:
  std::vector<std::uint32_t> items_;
  std::vector<std::uint64_t> cumulative_;
  std::uint64_t total_ = 0;
};

// Zipf-like weight 1 / (rank + offset), scaled to an integer; a larger offset flattens the head.
std::uint64_t zipf_weight(std::uint64_t rank, std::uint64_t offset) {
  return (std::uint64_t{1} << 40) / (rank + 1 + offset);
}

struct SyntheticUser {
  std::vector<int> topics;  // one or two favourites
  std::int64_t created_at_ms = 0;
  std::vector<std::uint32_t> followees;  // indexes, sorted
  std::vector<std::uint32_t> posts;      // indexes
};

struct SyntheticPost {
  std::uint32_t author = 0;
  std::int64_t created_at_ms = 0;
  bool followers_only = false;
};

struct PendingEngagement {
  std::int64_t at_ms;
  std::uint32_t user;
  std::uint32_t post;
  int kind;
  auto operator<=>(const PendingEngagement&) const = default;
};

// Indexes are 0-based; ids on the wire are index + 1.
class CorpusGenerator {
 public:
  CorpusGenerator(const SyntheticCorpusOptions& options, const SyntheticRecordSink& sink)
      : options_(options), sink_(sink), random_(options.seed), topics_(synthetic_topics()) {}

  SyntheticCorpusCounts run() {
    make_users();
    make_follows();
    make_posts();
    make_engagements();
    return counts_;
  }

 private:
  int favourite_topic(const SyntheticUser& user) {
    return user.topics[random_.below(user.topics.size())];
  }

  // Users by a random popularity ranking, so that popularity is independent of the id.
  std::vector<std::uint64_t> zipf_weights(std::uint64_t offset) {
    std::vector<std::uint32_t> order(users_.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    random_.shuffle(order);
    std::vector<std::uint64_t> weights(users_.size());
    for (std::size_t rank = 0; rank < order.size(); ++rank) {
      weights[order[rank]] = zipf_weight(rank, offset);
    }
    return weights;
  }

  void make_users() {
    users_.resize(options_.users);
    v1::IngestRecord record;
    for (std::uint32_t i = 0; i < users_.size(); ++i) {
      SyntheticUser& user = users_[i];
      user.topics.push_back(static_cast<int>(random_.below(topics_.size())));
      if (random_.percent(40)) {
        const auto other = 1 + random_.below(topics_.size() - 1);
        user.topics.push_back(static_cast<int>((user.topics[0] + other) % topics_.size()));
      }
      user.created_at_ms =
          kPostsStartMs - 60 * kDayMs + static_cast<std::int64_t>(random_.below(30 * kDayMs));
      v1::User* out = record.mutable_user();
      out->set_id(i + 1);
      out->set_handle("user_" + std::to_string(i + 1));
      out->set_created_at_ms(user.created_at_ms);
      sink_(record, user.topics[0]);
      ++counts_.users;
    }
  }

  // Mostly a few, sometimes hundreds: 3 + 297 x^5 for x uniform in [0, 1), in integers (x is
  // k / 4096) so no floating-point contraction or rounding can differ between machines.
  std::uint64_t out_degree() {
    const std::uint64_t k = random_.below(4096);
    const std::uint64_t k5 = k * k * k * k * k;  // < 2^60
    const std::uint64_t degree = 3 + ((297 * (k5 >> 30)) >> 30);
    return std::min<std::uint64_t>(degree, users_.size() - 1);
  }

  void make_follows() {
    if (users_.size() < 2) return;
    const std::vector<std::uint64_t> popularity = zipf_weights(/*offset=*/0);
    WeightedPicker anyone;
    std::vector<WeightedPicker> by_topic(topics_.size());
    for (std::uint32_t i = 0; i < users_.size(); ++i) {
      anyone.add(i, popularity[i]);
      for (const int topic : users_[i].topics) by_topic[topic].add(i, popularity[i]);
    }
    std::vector<bool> chosen(users_.size());
    v1::IngestRecord record;
    for (std::uint32_t i = 0; i < users_.size(); ++i) {
      SyntheticUser& user = users_[i];
      const std::uint64_t degree = out_degree();
      // Popular accounts are picked again and again; give up on a few rather than loop long.
      for (std::uint64_t attempt = 0; attempt < 20 * degree && user.followees.size() < degree;
           ++attempt) {
        const WeightedPicker& picker =
            random_.percent(50) ? by_topic[favourite_topic(user)] : anyone;
        const std::uint32_t followee = picker.pick(random_);
        if (followee == i || chosen[followee]) continue;
        chosen[followee] = true;
        user.followees.push_back(followee);
      }
      std::sort(user.followees.begin(), user.followees.end());
      for (const std::uint32_t followee : user.followees) {
        chosen[followee] = false;
        v1::FollowEdge* edge = record.mutable_follow();
        edge->set_follower_id(i + 1);
        edge->set_followee_id(followee + 1);
        edge->set_created_at_ms(std::max(user.created_at_ms, users_[followee].created_at_ms) +
                                static_cast<std::int64_t>(random_.below(kDayMs)));
        sink_(record, -1);
        ++counts_.follows;
      }
    }
  }

  std::string post_text(int topic) {
    const SyntheticTopic& vocabulary = topics_[topic];
    const std::span<const std::string_view> filler = synthetic_filler_words();
    std::string text;
    const std::uint64_t words = 6 + random_.below(15);
    for (std::uint64_t w = 0; w < words; ++w) {
      if (!text.empty()) text += ' ';
      text += random_.percent(20) ? filler[random_.below(filler.size())]
                                  : vocabulary.words[random_.below(vocabulary.words.size())];
    }
    std::vector<std::string_view> hashtags(vocabulary.hashtags.begin(), vocabulary.hashtags.end());
    random_.shuffle(hashtags);
    hashtags.resize(1 + random_.below(std::min<std::size_t>(3, hashtags.size())));
    for (const std::string_view tag : hashtags) {
      text += " #";
      text += tag;
    }
    return text;
  }

  void make_posts() {
    if (options_.posts == 0) return;
    const std::vector<std::uint64_t> activity = zipf_weights(/*offset=*/20);
    WeightedPicker authors;
    for (std::uint32_t i = 0; i < users_.size(); ++i) authors.add(i, activity[i]);
    posts_.resize(options_.posts);
    posts_by_topic_.resize(topics_.size());
    v1::IngestRecord record;
    for (std::uint32_t i = 0; i < posts_.size(); ++i) {
      SyntheticPost& post = posts_[i];
      post.author = authors.pick(random_);
      SyntheticUser& author = users_[post.author];
      const int topic = random_.percent(85) ? favourite_topic(author)
                                            : static_cast<int>(random_.below(topics_.size()));
      // Spread evenly over the window, jittered by up to an hour either way.
      post.created_at_ms =
          kPostsStartMs +
          static_cast<std::int64_t>(i) * kPostsWindowMs / static_cast<std::int64_t>(posts_.size()) +
          static_cast<std::int64_t>(random_.below(2 * kHourMs)) - kHourMs;
      post.followers_only = random_.percent(10);
      author.posts.push_back(i);
      posts_by_topic_[topic].push_back(i);

      v1::Post* out = record.mutable_post();
      out->set_id(i + 1);
      out->set_author_id(post.author + 1);
      out->set_text(post_text(topic));
      out->set_created_at_ms(post.created_at_ms);
      out->set_visibility(post.followers_only ? v1::VISIBILITY_FOLLOWERS : v1::VISIBILITY_PUBLIC);
      sink_(record, topic);
      ++counts_.posts;
    }
  }

  bool follows(const SyntheticUser& user, std::uint32_t other) const {
    return std::binary_search(user.followees.begin(), user.followees.end(), other);
  }

  // A post the user might see: a followee's (45%), one of a favourite topic (45%) or any (10%).
  // Returns posts_.size() when the draw found nothing.
  std::uint32_t candidate_post(const SyntheticUser& user) {
    const auto none = static_cast<std::uint32_t>(posts_.size());
    const std::uint64_t source = random_.below(100);
    if (source < 45) {
      if (user.followees.empty()) return none;
      const SyntheticUser& followee = users_[user.followees[random_.below(user.followees.size())]];
      return followee.posts.empty() ? none : followee.posts[random_.below(followee.posts.size())];
    }
    if (source < 90) {
      const std::vector<std::uint32_t>& posts = posts_by_topic_[favourite_topic(user)];
      return posts.empty() ? none : posts[random_.below(posts.size())];
    }
    return static_cast<std::uint32_t>(random_.below(posts_.size()));
  }

  // Views are common, shares rare.
  v1::EngagementKind engagement_kind() {
    const std::uint64_t draw = random_.below(100);
    if (draw < 60) return v1::ENGAGEMENT_KIND_VIEW;
    if (draw < 85) return v1::ENGAGEMENT_KIND_LIKE;
    if (draw < 93) return v1::ENGAGEMENT_KIND_COMMENT;
    return v1::ENGAGEMENT_KIND_SHARE;
  }

  void make_engagements() {
    if (posts_.empty()) return;
    std::vector<PendingEngagement> pending;
    std::vector<std::pair<std::uint32_t, int>> seen;  // (post, kind) of the current user
    for (std::uint32_t i = 0; i < users_.size(); ++i) {
      const SyntheticUser& user = users_[i];
      seen.clear();
      for (std::uint64_t attempt = 0; attempt < 3ull * options_.engagements_per_user &&
                                      seen.size() < options_.engagements_per_user;
           ++attempt) {
        const std::uint32_t post = candidate_post(user);
        if (post == posts_.size()) continue;
        const SyntheticPost& candidate = posts_[post];
        if (candidate.author == i) continue;
        if (candidate.followers_only && !follows(user, candidate.author)) continue;
        const int kind = engagement_kind();
        if (std::find(seen.begin(), seen.end(), std::pair(post, kind)) != seen.end()) continue;
        seen.emplace_back(post, kind);
        pending.push_back({candidate.created_at_ms + kMinuteMs +
                               static_cast<std::int64_t>(random_.below(3 * kDayMs)),
                           i, post, kind});
      }
    }
    std::sort(pending.begin(), pending.end());
    v1::IngestRecord record;
    for (const PendingEngagement& engagement : pending) {
      v1::Engagement* out = record.mutable_engagement();
      out->set_user_id(engagement.user + 1);
      out->set_post_id(engagement.post + 1);
      out->set_kind(static_cast<v1::EngagementKind>(engagement.kind));
      out->set_at_ms(engagement.at_ms);
      sink_(record, -1);
      ++counts_.engagements;
    }
  }

  const SyntheticCorpusOptions& options_;
  const SyntheticRecordSink& sink_;
  DeterministicRandom random_;
  std::span<const SyntheticTopic> topics_;
  std::vector<SyntheticUser> users_;
  std::vector<SyntheticPost> posts_;
  std::vector<std::vector<std::uint32_t>> posts_by_topic_;
  SyntheticCorpusCounts counts_;
};

}  // namespace

absl::StatusOr<SyntheticCorpusCounts> generate_synthetic_corpus(
    const SyntheticCorpusOptions& options, const SyntheticRecordSink& sink) {
  constexpr std::uint64_t kMaxCount = std::numeric_limits<std::uint32_t>::max() - 1;
  if (options.users > kMaxCount || options.posts > kMaxCount) {
    return absl::InvalidArgumentError("at most " + std::to_string(kMaxCount) + " users and posts");
  }
  if (options.posts > 0 && options.users == 0) {
    return absl::InvalidArgumentError("posts need at least one user to author them");
  }
  return CorpusGenerator(options, sink).run();
}

}  // namespace feedrank::datasets
