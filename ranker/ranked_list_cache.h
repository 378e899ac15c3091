// Ranked lists behind algorithmic cursors: a page after the first continues the list ranked for
// the first page, so pages never repeat or reorder while writes arrive. Bounded in memory (least
// recently used lists go first) and in time (a list older than the TTL is gone); a cursor whose
// list is gone gets FAILED_PRECONDITION telling the client to start over.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "ranker/pipeline/algorithmic_pipeline.h"

namespace feedrank::ranker {

struct RankedListCacheOptions {
  std::size_t max_bytes = 64u << 20;
  std::chrono::milliseconds ttl = std::chrono::minutes(10);
};

class RankedListCache {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RankedListCache(RankedListCacheOptions options = {});

  // Keeps the list and returns its id (random, never 0), evicting older lists past max_bytes.
  std::uint64_t put(std::shared_ptr<const RankedList> list, Clock::time_point now = Clock::now());
  // The list, or null when it expired or was evicted.
  std::shared_ptr<const RankedList> get(std::uint64_t id, Clock::time_point now = Clock::now());

  std::size_t size() const;
  std::size_t bytes() const;

 private:
  struct Entry {
    std::uint64_t id;
    std::shared_ptr<const RankedList> list;
    Clock::time_point stored;
    std::size_t bytes;
  };
  void evict_locked(Clock::time_point now);

  const RankedListCacheOptions options_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // most recently used first
  // Ids in the order they were stored, for the TTL: the oldest are at the front (ids already
  // evicted for memory are skipped when they come up).
  std::deque<std::pair<Clock::time_point, std::uint64_t>> by_age_;
  absl::flat_hash_map<std::uint64_t, std::list<Entry>::iterator> by_id_;
  std::size_t bytes_ = 0;
  std::mt19937_64 ids_;
};

}  // namespace feedrank::ranker
