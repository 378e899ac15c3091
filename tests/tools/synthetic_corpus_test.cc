#include "tools/datasets/synthetic_corpus.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tools/datasets/jsonl_records.h"
#include "tools/datasets/synthetic_topics.h"

namespace feedrank::datasets {
namespace {

struct Corpus {
  std::vector<v1::IngestRecord> records;
  std::vector<int> topics;  // per record
  SyntheticCorpusCounts counts;
  std::string jsonl;
};

Corpus generate(const SyntheticCorpusOptions& options) {
  Corpus corpus;
  const auto counts =
      generate_synthetic_corpus(options, [&](const v1::IngestRecord& record, int topic) {
        corpus.records.push_back(record);
        corpus.topics.push_back(topic);
        corpus.jsonl += to_jsonl_line(record) + "\n";
      });
  EXPECT_TRUE(counts.ok()) << counts.status();
  if (counts.ok()) corpus.counts = *counts;
  return corpus;
}

const SyntheticCorpusOptions kSmall{
    .users = 300, .posts = 3000, .seed = 11, .engagements_per_user = 10};
const SyntheticCorpusOptions kMedium{
    .users = 2000, .posts = 5000, .seed = 3, .engagements_per_user = 5};

TEST(SyntheticCorpus, SameSeedGivesTheSameBytes) {
  EXPECT_EQ(generate(kSmall).jsonl, generate(kSmall).jsonl);
}

TEST(SyntheticCorpus, DifferentSeedGivesDifferentBytes) {
  SyntheticCorpusOptions other = kSmall;
  other.seed = kSmall.seed + 1;
  EXPECT_NE(generate(kSmall).jsonl, generate(other).jsonl);
}

TEST(SyntheticCorpus, EmitsWhatTheOptionsAskForAndCountsIt) {
  const Corpus corpus = generate(kSmall);
  std::map<v1::IngestRecord::RecordCase, std::uint64_t> by_type;
  for (const auto& record : corpus.records) ++by_type[record.record_case()];
  EXPECT_EQ(corpus.counts.users, kSmall.users);
  EXPECT_EQ(corpus.counts.posts, kSmall.posts);
  EXPECT_EQ(by_type[v1::IngestRecord::kUser], corpus.counts.users);
  EXPECT_EQ(by_type[v1::IngestRecord::kPost], corpus.counts.posts);
  EXPECT_EQ(by_type[v1::IngestRecord::kFollow], corpus.counts.follows);
  EXPECT_EQ(by_type[v1::IngestRecord::kEngagement], corpus.counts.engagements);
  EXPECT_GT(corpus.counts.follows, 0u);
  EXPECT_GT(corpus.counts.engagements, 0u);
  EXPECT_LE(corpus.counts.engagements, kSmall.users * kSmall.engagements_per_user);
}

// Applying the records in order never refers to something that does not exist yet.
TEST(SyntheticCorpus, RecordsComeInAnOrderThatCanBeApplied) {
  const Corpus corpus = generate(kSmall);
  std::set<std::uint64_t> users;
  std::map<std::uint64_t, v1::Post> posts;
  std::set<std::pair<std::uint64_t, std::uint64_t>> follows;
  int phase = 0;  // users, follows, posts, engagements
  for (const auto& record : corpus.records) {
    switch (record.record_case()) {
      case v1::IngestRecord::kUser:
        EXPECT_EQ(phase, 0);
        EXPECT_TRUE(users.insert(record.user().id()).second) << "repeated user";
        EXPECT_GT(record.user().created_at_ms(), 0);
        break;
      case v1::IngestRecord::kFollow: {
        EXPECT_LE(phase, 1);
        phase = 1;
        const auto& edge = record.follow();
        EXPECT_TRUE(users.contains(edge.follower_id()));
        EXPECT_TRUE(users.contains(edge.followee_id()));
        EXPECT_NE(edge.follower_id(), edge.followee_id()) << "self-follow";
        EXPECT_TRUE(follows.emplace(edge.follower_id(), edge.followee_id()).second)
            << "duplicate follow " << edge.follower_id() << " -> " << edge.followee_id();
        break;
      }
      case v1::IngestRecord::kPost:
        EXPECT_LE(phase, 2);
        phase = 2;
        EXPECT_TRUE(users.contains(record.post().author_id()));
        EXPECT_TRUE(posts.emplace(record.post().id(), record.post()).second) << "repeated post";
        break;
      case v1::IngestRecord::kEngagement: {
        phase = 3;
        const auto& engagement = record.engagement();
        EXPECT_TRUE(users.contains(engagement.user_id()));
        const auto post = posts.find(engagement.post_id());
        ASSERT_NE(post, posts.end()) << "engagement before its post";
        EXPECT_NE(post->second.author_id(), engagement.user_id()) << "engaged with own post";
        EXPECT_GT(engagement.at_ms(), post->second.created_at_ms());
        EXPECT_NE(engagement.kind(), v1::ENGAGEMENT_KIND_UNSPECIFIED);
        if (post->second.visibility() == v1::VISIBILITY_FOLLOWERS) {
          EXPECT_TRUE(follows.contains({engagement.user_id(), post->second.author_id()}))
              << "engaged with a followers-only post it cannot see";
        }
        break;
      }
      default:
        ADD_FAILURE() << "unexpected record " << record.DebugString();
    }
  }
}

TEST(SyntheticCorpus, FollowerCountsFollowAPowerLaw) {
  const Corpus corpus = generate(kMedium);
  std::vector<std::uint64_t> followers(kMedium.users + 1);
  std::map<std::uint64_t, std::uint64_t> following;
  for (const auto& record : corpus.records) {
    if (!record.has_follow()) continue;
    ++followers[record.follow().followee_id()];
    ++following[record.follow().follower_id()];
  }
  followers.erase(followers.begin());  // no user 0
  std::sort(followers.begin(), followers.end());
  const std::uint64_t median = followers[followers.size() / 2];
  EXPECT_GE(followers.back(), 10 * std::max<std::uint64_t>(median, 1))
      << "max " << followers.back() << " median " << median;
  const auto [fewest, most] =
      std::minmax_element(following.begin(), following.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; });
  EXPECT_GE(fewest->second, 3u);
  EXPECT_GE(most->second, 100u);
  EXPECT_LE(most->second, 300u);
}

TEST(SyntheticCorpus, PostsAreTopicalAndSpreadOverTime) {
  const Corpus corpus = generate(kSmall);
  const auto topics = synthetic_topics();
  std::int64_t first = INT64_MAX, last = INT64_MIN, previous = INT64_MIN;
  std::uint64_t decreasing = 0;
  for (std::size_t i = 0; i < corpus.records.size(); ++i) {
    if (!corpus.records[i].has_post()) continue;
    const v1::Post& post = corpus.records[i].post();
    const int topic = corpus.topics[i];
    ASSERT_GE(topic, 0);
    ASSERT_LT(topic, static_cast<int>(topics.size()));
    std::istringstream words(post.text());
    int plain = 0, topical = 0;
    for (std::string word; words >> word;) {
      if (word.starts_with('#')) {
        const auto& tags = topics[topic].hashtags;
        EXPECT_NE(std::find(tags.begin(), tags.end(), word.substr(1)), tags.end())
            << word << " is not a hashtag of " << topics[topic].name;
        continue;
      }
      ++plain;
      const auto& vocabulary = topics[topic].words;
      topical += std::find(vocabulary.begin(), vocabulary.end(), word) != vocabulary.end();
    }
    EXPECT_GE(plain, 6);
    EXPECT_LE(plain, 20);
    EXPECT_GE(topical, 1) << post.text();
    first = std::min(first, post.created_at_ms());
    last = std::max(last, post.created_at_ms());
    decreasing += post.created_at_ms() < previous;
    previous = post.created_at_ms();
  }
  EXPECT_GE(last - first, 29LL * 24 * 3600 * 1000);
  EXPECT_LT(decreasing, kSmall.posts / 2) << "times should mostly increase with the id";
}

TEST(SyntheticCorpus, UsersEngageMostlyWithTheirTopics) {
  const Corpus corpus = generate(kSmall);
  std::map<std::uint64_t, int> user_topic, post_topic;
  std::uint64_t same = 0, total = 0;
  for (std::size_t i = 0; i < corpus.records.size(); ++i) {
    const auto& record = corpus.records[i];
    if (record.has_user()) user_topic[record.user().id()] = corpus.topics[i];
    if (record.has_post()) post_topic[record.post().id()] = corpus.topics[i];
    if (record.has_engagement()) {
      ++total;
      same +=
          user_topic[record.engagement().user_id()] == post_topic[record.engagement().post_id()];
    }
  }
  // Chance would be 1 in 12; only the first favourite topic is reported.
  EXPECT_GT(same * 3, total) << same << " of " << total;
}

TEST(SyntheticCorpus, TopicVocabulariesAreLargeAndDisjoint) {
  std::map<std::string_view, std::string_view> owner;
  for (const SyntheticTopic& topic : synthetic_topics()) {
    EXPECT_GE(topic.words.size(), 30u) << topic.name;
    EXPECT_GE(topic.hashtags.size(), 2u) << topic.name;
    for (const std::string_view word : topic.words) {
      const auto [it, inserted] = owner.emplace(word, topic.name);
      EXPECT_TRUE(inserted) << word << " in " << topic.name << " and " << it->second;
    }
  }
  for (const std::string_view word : synthetic_filler_words()) {
    EXPECT_FALSE(owner.contains(word)) << word << " is a filler and a topic word";
  }
}

TEST(SyntheticCorpus, RejectsPostsWithoutUsers) {
  const auto counts =
      generate_synthetic_corpus({.users = 0, .posts = 10, .seed = 1, .engagements_per_user = 1},
                                [](const v1::IngestRecord&, int) {});
  EXPECT_EQ(counts.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SyntheticCorpus, HandlesASingleUser) {
  const Corpus corpus = generate({.users = 1, .posts = 5, .seed = 1, .engagements_per_user = 3});
  EXPECT_EQ(corpus.counts.users, 1u);
  EXPECT_EQ(corpus.counts.follows, 0u);
  EXPECT_EQ(corpus.counts.posts, 5u);
  EXPECT_EQ(corpus.counts.engagements, 0u);  // nobody else's posts to engage with
}

}  // namespace
}  // namespace feedrank::datasets
