#include "benchmarks/load/request_factory.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "embeddings/vector_norms.h"
#include "tools/datasets/synthetic_topics.h"

namespace feedrank::load {
namespace {

constexpr int kWordsPerPost = 10;

// Post text in the corpus's vocabulary (one topic's words and a hashtag), so the server embeds
// it as it embeds the corpus.
std::string post_text(std::mt19937_64& random) {
  const auto topics = datasets::synthetic_topics();
  const auto& topic = topics[random() % topics.size()];
  std::string text;
  for (int i = 0; i < kWordsPerPost; ++i) {
    if (!text.empty()) text += ' ';
    text += topic.words[random() % topic.words.size()];
  }
  text += " #";
  text += topic.hashtags[random() % topic.hashtags.size()];
  return text;
}

}  // namespace

RequestFactory::RequestFactory(const RequestShape& shape, const ViewerPicker& viewers,
                               const LoadClock& clock, std::atomic<std::uint64_t>& next_post_id)
    : shape_(shape), viewers_(viewers), clock_(clock), next_post_id_(next_post_id) {}

v1::GetFeedRequest RequestFactory::feed(bool algorithmic, CursorWalker& cursors,
                                        std::mt19937_64& random) const {
  v1::GetFeedRequest request;
  request.set_mode(algorithmic ? v1::FEED_MODE_ALGORITHMIC : v1::FEED_MODE_CHRONOLOGICAL);
  request.set_limit(shape_.feed_limit);
  if (clock_.has_base()) request.set_as_of_ms(clock_.now_ms());
  if (auto page = cursors.next_page(algorithmic)) {
    request.set_user_id(page->viewer);
    request.set_cursor(std::move(page->cursor));
  } else {
    request.set_user_id(viewers_.pick(random));
  }
  return request;
}

v1::GetNearestPostsRequest RequestFactory::nearest(std::mt19937_64& random) const {
  v1::GetNearestPostsRequest request;
  request.set_k(shape_.nearest_k);
  if (shape_.nearest_vector_dimension == 0) {
    request.set_user_id(viewers_.pick(random));
    return request;
  }
  std::normal_distribution<float> normal;
  std::vector<float> vector(static_cast<std::size_t>(shape_.nearest_vector_dimension));
  for (float& value : vector) value = normal(random);
  embeddings::l2_normalize(vector);
  request.mutable_embedding()->Add(vector.begin(), vector.end());
  return request;
}

v1::CreatePostsRequest RequestFactory::create_posts(std::mt19937_64& random) const {
  v1::CreatePostsRequest request;
  const std::int64_t now = clock_.now_ms();
  for (int i = 0; i < shape_.write_batch; ++i) {
    v1::Post* post = request.add_posts();
    post->set_id(next_post_id_.fetch_add(1, std::memory_order_relaxed));
    post->set_author_id(std::uniform_int_distribution<std::uint64_t>(1, shape_.users)(random));
    post->set_text(post_text(random));
    post->set_created_at_ms(now);
  }
  return request;
}

v1::RecordEngagementsRequest RequestFactory::record_engagements(std::mt19937_64& random) const {
  v1::RecordEngagementsRequest request;
  const std::int64_t now = clock_.now_ms();
  for (int i = 0; i < shape_.write_batch; ++i) {
    v1::Engagement* engagement = request.add_engagements();
    engagement->set_user_id(std::uniform_int_distribution<std::uint64_t>(1, shape_.users)(random));
    engagement->set_post_id(std::uniform_int_distribution<std::uint64_t>(1, shape_.posts)(random));
    // Mostly views, as in real traffic; likes move the popularity order too.
    engagement->set_kind(random() % 4 == 0 ? v1::ENGAGEMENT_KIND_LIKE : v1::ENGAGEMENT_KIND_VIEW);
    engagement->set_at_ms(now);
  }
  return request;
}

std::uint64_t first_created_post_id() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  // ~1.8e18 for 2026: leaves a million ids per run before the next millisecond's run.
  return static_cast<std::uint64_t>(ms) * 1'000'000;
}

namespace {

constexpr std::uint64_t kProbeRun = 16;  // ids a probe looks at: all hidden by chance is rare

// The highest visible id in first..last (first <= last), or 0.
absl::StatusOr<std::uint64_t> highest_visible_in(
    std::uint64_t first, std::uint64_t last,
    const std::function<absl::StatusOr<bool>(std::uint64_t)>& visible) {
  for (std::uint64_t id = last; id >= first && id > 0; --id) {
    absl::StatusOr<bool> found = visible(id);
    if (!found.ok()) return found.status();
    if (*found) return id;
  }
  return 0;
}

}  // namespace

absl::StatusOr<std::uint64_t> highest_corpus_post_id(
    std::uint64_t upper, const std::function<absl::StatusOr<bool>(std::uint64_t)>& visible) {
  const auto run_end = [&](std::uint64_t id) { return std::min(upper, id + kProbeRun - 1); };
  std::uint64_t low = 0;  // 0, or the first id of a run with a visible post
  std::uint64_t high = upper;
  while (low < high) {
    const std::uint64_t middle = low + (high - low + 1) / 2;
    absl::StatusOr<std::uint64_t> found = highest_visible_in(middle, run_end(middle), visible);
    if (!found.ok()) return found.status();
    if (*found != 0) {
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  return low == 0 ? 0 : highest_visible_in(low, run_end(low), visible);
}

}  // namespace feedrank::load
