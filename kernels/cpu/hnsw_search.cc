#include "kernels/cpu/hnsw_search.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <queue>
#include <span>
#include <vector>

#include "kernels/cpu/inner_products.h"

namespace feedrank::kernels::cpu {
namespace {

using Node = faiss::HNSW::storage_idx_t;

struct Scored {
  float score;
  Node node;
  bool operator<(const Scored& other) const { return score < other.score; }
  bool operator>(const Scored& other) const { return score > other.score; }
};

// Row: float or std::uint16_t (halves), as the matrix holds them.
template <class Row>
class Walk {
 public:
  Walk(const faiss::HNSW& graph, const Row* rows, int dimension, const float* query)
      : graph_(graph), rows_(rows), d_(static_cast<std::size_t>(dimension)), query_(query) {}

  float score(Node node) const { return inner_product(query_, row(node), d_); }

  // The query's product with each of `nodes`, in their order (as score() gives each).
  std::span<const float> scores(const std::vector<Node>& nodes) {
    rows_of_batch_.resize(nodes.size());
    scores_.resize(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) rows_of_batch_[i] = row(nodes[i]);
    inner_products_gathered(query_, rows_of_batch_.data(), nodes.size(), static_cast<int>(d_),
                            scores_.data());
    return scores_;
  }

  // The neighbours of `node` on `level` (up to the first -1), with all their rows' cache lines
  // requested before any is scored; `visited` filters and marks them when given. The marks are
  // requested first, all at once: each is a random word of a table of the graph's size, and
  // checked one after another their misses came one after another too.
  std::vector<Node>& neighbours(Node node, int level, VisitedPool::Marks* visited) {
    std::size_t begin, end;
    graph_.neighbor_range(node, level, &begin, &end);
    const Node* list = graph_.neighbors.data();
    std::size_t filled = begin;  // the list ends at its first -1
    while (filled < end && list[filled] >= 0) ++filled;
    end = filled;
    if (visited != nullptr) {
      for (std::size_t j = begin; j < end; ++j) visited->prefetch(list[j]);
    }
    batch_.clear();
    for (std::size_t j = begin; j < end; ++j) {
      const Node next = list[j];
      if (visited != nullptr && !visited->visit(next)) continue;
      batch_.push_back(next);
      prefetch_row(row(next), static_cast<int>(d_));
    }
    return batch_;
  }

  // Asks for where `node`'s neighbour list starts, for when it is expanded.
  void prefetch_offset(Node node) const {
    __builtin_prefetch(graph_.offsets.data() + node);
  }

 private:
  const Row* row(Node node) const { return rows_ + static_cast<std::size_t>(node) * d_; }

  const faiss::HNSW& graph_;
  const Row* rows_;
  std::size_t d_;
  const float* query_;
  std::vector<Node> batch_;
  std::vector<const Row*> rows_of_batch_;
  std::vector<float> scores_;
};

// A set of marks for one search, given back to the pool when it ends.
class MarksLease {
 public:
  explicit MarksLease(VisitedPool& pool) : pool_(pool), marks_(pool.take()) {}
  ~MarksLease() { pool_.give_back(std::move(marks_)); }
  MarksLease(const MarksLease&) = delete;
  MarksLease& operator=(const MarksLease&) = delete;
  VisitedPool::Marks& operator*() const { return *marks_; }

 private:
  VisitedPool& pool_;
  std::unique_ptr<VisitedPool::Marks> marks_;
};

}  // namespace

void VisitedPool::Marks::start(std::size_t rows) {
  if (marks_.size() < rows) marks_.resize(rows, 0);
  if (++epoch_ == 0) {  // wrapped: old marks could collide
    std::fill(marks_.begin(), marks_.end(), 0);
    epoch_ = 1;
  }
}

std::unique_ptr<VisitedPool::Marks> VisitedPool::take() {
  std::lock_guard lock(mutex_);
  if (free_.empty()) return std::make_unique<Marks>();
  std::unique_ptr<Marks> marks = std::move(free_.back());
  free_.pop_back();
  return marks;
}

void VisitedPool::give_back(std::unique_ptr<Marks> marks) {
  std::lock_guard lock(mutex_);
  free_.push_back(std::move(marks));
}

std::size_t VisitedPool::memory_bytes() {
  std::lock_guard lock(mutex_);
  std::size_t bytes = 0;
  for (const auto& marks : free_) bytes += marks->bytes();
  return bytes;
}

template <class Row>
void walk_graph(const faiss::HNSW& graph, const Row* rows, const VectorId* ids, int dimension,
                const float* query, int ef, const RowFilter& filter, VisitedPool& pool,
                TopK& top) {
  if (graph.entry_point < 0) return;
  Walk<Row> walk(graph, rows, dimension, query);

  // Upper levels: move to the best neighbour until none is better.
  Scored best{walk.score(graph.entry_point), graph.entry_point};
  for (int level = graph.max_level; level > 0; --level) {
    for (bool moved = true; moved;) {
      moved = false;
      const std::vector<Node>& nodes = walk.neighbours(best.node, level, nullptr);
      const std::span<const float> scores = walk.scores(nodes);
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (scores[i] > best.score) {
          best = {scores[i], nodes[i]};
          moved = true;
        }
      }
    }
  }

  // Level 0: expand the best unexpanded candidate while it can still improve the beam.
  const MarksLease lease(pool);
  VisitedPool::Marks& visited = *lease;
  visited.start(graph.levels.size());
  const auto width = static_cast<std::size_t>(std::max(ef, 1));
  std::priority_queue<Scored> candidates;                                   // best on top
  std::priority_queue<Scored, std::vector<Scored>, std::greater<>> beam;  // worst on top
  visited.visit(best.node);
  candidates.push(best);
  beam.push(best);
  if (filter.allows(best.node)) top.push({ids[best.node], best.score});
  while (!candidates.empty()) {
    const Scored current = candidates.top();
    if (beam.size() >= width && current.score < beam.top().score) break;
    candidates.pop();
    const std::vector<Node>& nodes = walk.neighbours(current.node, 0, &visited);
    const std::span<const float> scores = walk.scores(nodes);
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const Node next = nodes[i];
      const float s = scores[i];
      // The threshold first: the filter reads the row's id (a cache miss a node) and probes the
      // exclude list, and few of the nodes a walk scores can enter the top k.
      if (s >= top.threshold() && filter.allows(next)) top.push({ids[next], s});
      if (beam.size() < width || s > beam.top().score) {
        walk.prefetch_offset(next);
        candidates.push({s, next});
        beam.push({s, next});
        if (beam.size() > width) beam.pop();
      }
    }
  }
}

void search_hnsw(const faiss::HNSW& graph, const VectorRows& rows, const float* query, int ef,
                 const RowFilter& filter, VisitedPool& pool, TopK& top) {
  with_row_values(rows, [&](const auto* values) {
    walk_graph(graph, values, rows.ids, rows.dimension, query, ef, filter, pool, top);
  });
}

}  // namespace feedrank::kernels::cpu
