// What a feed request asks for and what a page holds, in domain terms (no protobuf).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/records.h"

namespace feedrank::ranker {

// kInterleaved: team-draft interleaving of two lists (by default chronological and
// algorithmic), each item credited to the list it came from.
enum class FeedMode { kChronological, kAlgorithmic, kInterleaved };

// The list an interleaved item was drafted from (kNone outside interleaving).
enum class InterleavingTeam : std::uint8_t { kNone = 0, kA = 1, kB = 2 };

// Where a feed item came from. The chronological feed uses kSelf and kFollowing; the algorithmic
// feed tags each item with the first source (in this order) that produced it.
enum class CandidateSource {
  kSelf,
  kFollowing,          // in-network: recent posts of followees
  kOutOfNetwork,       // nearest neighbours of the viewer's vector
  kNetworkEngagement,  // posts the viewer's followees engaged with
  kPopular,            // highest time-decayed engagement in the whole corpus
  kCollaborative,      // engaged with by the viewers most like this one
};
inline constexpr int kCandidateSourceCount = 6;

struct RankingConfig;  // ranker/scoring/ranking_config.h

// One ranked list: chronological, or algorithmic under a ranking config.
struct ListVariant {
  FeedMode mode = FeedMode::kChronological;      // kChronological or kAlgorithmic
  std::shared_ptr<const RankingConfig> ranking;  // kAlgorithmic; null: the server's config
};

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

struct FeedRequest {
  UserId viewer = 0;
  FeedMode mode = FeedMode::kChronological;
  int limit = kDefaultPageSize;
  std::string cursor;  // opaque; empty for the first page
  // Rank as if now were this time (0: the server's clock); no post created after it is served.
  TimestampMs as_of = 0;
  bool explain = false;               // fill FeedItem::explanation and FeedPage::stats
  std::vector<UserId> muted_authors;  // algorithmic: never show posts by these accounts
  // When the caller stops waiting (steady clock; max() when none): a ranked request past it is
  // abandoned with DEADLINE_EXCEEDED instead of being finished and thrown away.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // The variant to serve (an experiment arm's): kAlgorithmic's ranking config (null: the
  // server's) and kInterleaved's two lists, team A's then team B's.
  std::shared_ptr<const RankingConfig> ranking;
  std::array<ListVariant, 2> interleave{ListVariant{FeedMode::kChronological, nullptr},
                                        ListVariant{FeedMode::kAlgorithmic, nullptr}};
  // The experiment arm served (arm_assignment.h's arm_tag; 0: none), carried in next_cursor so
  // that later pages stay in the arm of the first.
  std::uint64_t arm_tag = 0;
};

// One additive term of an algorithmic score: a feature times its weight, the source's scale (as
// ln(scale): scales multiply the predicted odds) or a diversity discount (as ln(factor)).
struct ScoreTerm {
  std::string name;
  double value = 0;         // the feature's value (1 for source and diversity terms)
  double contribution = 0;  // what it adds to the score; the terms add up to the score
};

struct FeedItem {
  PostId post = 0;
  UserId author = 0;
  TimestampMs created_at = 0;
  std::string text;
  double score = 0;
  CandidateSource source = CandidateSource::kFollowing;
  InterleavingTeam team = InterleavingTeam::kNone;  // interleaved feeds only
  // The author is the viewer or an account they follow (whichever source found the post).
  bool in_network = false;
  std::vector<ScoreTerm> explanation;  // algorithmic with explain only
};

// The steps of a ranking whose wall time RankingStats keeps besides each candidate source's: the
// viewer's vectors (text interest, learned factor), the viewer's signals (affinities, followees'
// engagements, collaborative neighbours), the merge and filters, feature hydration, scoring, and
// the diversified selection of the list.
enum class RankingStage { kVectors, kSignals, kFilters, kFeatures, kScoring, kDiversity };
inline constexpr int kRankingStageCount = 6;
// "vectors", "signals", "filters", "features", "scoring", "diversity".
std::string_view stage_name(RankingStage stage);

// What an algorithmic request did, for explanations and the fallback.
struct RankingStats {
  std::string backend;         // which scorer and retrieval index served
  std::string config_version;  // the ranking config's version string
  std::array<std::uint32_t, kCandidateSourceCount> candidates{};  // per source, before filters
  std::vector<std::pair<std::string, std::uint32_t>> removed;     // per filter name
  // Empty when every stage worked; otherwise one line per stage that failed and was skipped
  // (e.g. "out_of_network: retrieval failed: ..."): the page is served from the other sources.
  std::vector<std::string> degraded;
  // Wall time in nanoseconds, per stage and per candidate source (a source's includes its wait
  // for the retrieval backend); an interleaved list's are both lists' together.
  std::array<std::uint64_t, kRankingStageCount> stage_ns{};
  std::array<std::uint64_t, kCandidateSourceCount> source_ns{};
};

struct FeedPage {
  std::vector<FeedItem> items;
  std::string next_cursor;           // empty: no more items now
  RankingStats stats;                // algorithmic only (config version and degraded always set)
  std::uint64_t first_position = 0;  // items served on earlier pages of this feed
};

// Posts nearest a query vector by inner product: the viewer's vector (their own posts left out),
// a post's vector (the post left out) or a caller's vector.
enum class NearestTo { kUser, kPost, kVector };

struct NearestPostsRequest {
  NearestTo to = NearestTo::kUser;
  std::uint64_t id = 0;       // the user or post, for kUser and kPost
  std::vector<float> vector;  // kVector: the embedding dimension's floats
  int k = 10;                 // 1..kernels::kMaxTopK
  TimestampMs now = 0;        // the time the user's vector is decayed to
  // Whose view to answer for kPost and kVector (0: none, public posts only); a kUser query's
  // viewer is its user, and this must then be 0 or that user.
  UserId viewer = 0;
  // Past it the search is abandoned (DEADLINE_EXCEEDED), also partway through a scan.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

struct ScoredPost {
  PostId post = 0;
  UserId author = 0;
  float score = 0;
};

}  // namespace feedrank::ranker
