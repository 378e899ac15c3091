#include "ranker/pipeline/diversity_selector.h"

#include <cmath>
#include <queue>

#include "absl/container/flat_hash_map.h"
#include "kernels/cpu/inner_products.h"

namespace feedrank::ranker {
namespace {

struct Pending {
  float score;
  PostId post;
  std::size_t index;
  std::size_t fresh_at;  // how many items were taken when `score` was computed
  friend bool operator<(const Pending& a, const Pending& b) {
    return a.score != b.score ? a.score < b.score : a.post < b.post;
  }
};

float dot(std::span<const float> a, std::span<const float> b) {
  return kernels::cpu::inner_product(a.data(), b.data(),
                                     static_cast<int>(std::min(a.size(), b.size())));
}

}  // namespace

std::vector<Selection> select_diverse(const Candidates& candidates, std::span<const float> scores,
                                      const RankingConfig& config, std::size_t limit,
                                      const PostVectorOf& vector_of) {
  const bool mmr = config.mmr_penalty > 0 && vector_of;
  std::vector<std::vector<float>> vectors(mmr ? candidates.size() : 0);
  for (std::size_t i = 0; i < vectors.size(); ++i) vectors[i] = vector_of(candidates[i].post);
  // Per candidate: its largest similarity to the taken items (from 0: a post pointing away from
  // everything taken gets no bonus, so discounts only grow), and how many it has been compared
  // with (MMR only).
  std::vector<float> max_similarity(vectors.size(), 0.0f);
  std::vector<std::size_t> compared(vectors.size(), 0);
  // Per author: items taken, and how many items were taken when its last one was.
  struct AuthorTakes {
    int count = 0;
    std::size_t last_at = 0;
  };
  absl::flat_hash_map<UserId, AuthorTakes> taken_by_author;
  std::vector<Selection> taken;

  auto author_term = [&](UserId author) {
    auto it = taken_by_author.find(author);
    const int earlier = it == taken_by_author.end() ? 0 : it->second.count;
    if (earlier == 0) return 0.0f;
    const double factor =
        std::max(std::pow(double{config.author_decay}, earlier), double{config.author_floor});
    return static_cast<float>(std::log(factor));
  };
  auto mmr_term = [&](std::size_t i) {
    if (!mmr || vectors[i].empty()) return 0.0f;
    for (; compared[i] < taken.size(); ++compared[i]) {
      const auto& other = vectors[taken[compared[i]].index];
      if (!other.empty()) max_similarity[i] = std::max(max_similarity[i], dot(vectors[i], other));
    }
    return -config.mmr_penalty * max_similarity[i];
  };

  std::vector<Pending> unranked;
  unranked.reserve(candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    unranked.push_back({scores[i], candidates[i].post, i, 0});
  }
  std::priority_queue<Pending> heap(std::less<Pending>(), std::move(unranked));  // one make_heap
  // A score computed before the latest takes is out of date when one of them was its author's
  // (or, with MMR, any was: each take may raise its similarity to the taken items).
  auto out_of_date = [&](const Pending& pending) {
    if (pending.fresh_at == taken.size()) return false;
    if (mmr) return true;
    auto it = taken_by_author.find(candidates[pending.index].author);
    return it != taken_by_author.end() && it->second.last_at > pending.fresh_at;
  };
  while (!heap.empty() && taken.size() < limit) {
    Pending top = heap.top();
    heap.pop();
    if (out_of_date(top)) {
      const Candidate& c = candidates[top.index];
      top.score = scores[top.index] + author_term(c.author) + mmr_term(top.index);
      top.fresh_at = taken.size();
      heap.push(top);
      continue;
    }
    const Candidate& c = candidates[top.index];
    const float by_author = author_term(c.author);
    const float by_mmr = mmr_term(top.index);
    taken.push_back({top.index, scores[top.index] + by_author + by_mmr, by_author, by_mmr});
    AuthorTakes& takes = taken_by_author[c.author];
    ++takes.count;
    takes.last_at = taken.size();
  }
  return taken;
}

}  // namespace feedrank::ranker
