#include "ranker/ranked_list_cache.h"

namespace feedrank::ranker {
namespace {

std::size_t bytes_of(const RankedList& list) {
  std::size_t bytes = sizeof(RankedList) + list.entries.capacity() * sizeof(RankedEntry);
  for (const std::string& line : list.stats.degraded) bytes += line.capacity();
  return bytes + list.stats.removed.capacity() * 48;
}

}  // namespace

namespace {

// Ids are seeded from 256 bits of the OS's randomness, so one seen id does not tell the next.
std::mt19937_64 seeded_ids() {
  std::random_device device;
  std::seed_seq seed{device(), device(), device(), device(),
                     device(), device(), device(), device()};
  return std::mt19937_64(seed);
}

}  // namespace

RankedListCache::RankedListCache(RankedListCacheOptions options)
    : options_(options), ids_(seeded_ids()) {}

std::uint64_t RankedListCache::put(std::shared_ptr<const RankedList> list, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  std::uint64_t id = 0;
  while (id == 0 || by_id_.contains(id)) id = ids_();
  const std::size_t bytes = bytes_of(*list);
  lru_.push_front({id, std::move(list), now, bytes});
  by_id_[id] = lru_.begin();
  by_age_.emplace_back(now, id);
  bytes_ += bytes;
  evict_locked(now);
  return id;
}

std::shared_ptr<const RankedList> RankedListCache::get(std::uint64_t id, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  evict_locked(now);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->list;
}

void RankedListCache::evict_locked(Clock::time_point now) {
  // The newest list stays even when alone above max_bytes: its first page is being served.
  while (lru_.size() > 1 && bytes_ > options_.max_bytes) {
    bytes_ -= lru_.back().bytes;
    by_id_.erase(lru_.back().id);
    lru_.pop_back();
  }
  // Expired lists may sit anywhere in LRU order (a list used recently can be old), so they are
  // found through by_age_, oldest first.
  while (!by_age_.empty() && now - by_age_.front().first > options_.ttl) {
    auto it = by_id_.find(by_age_.front().second);
    by_age_.pop_front();
    if (it == by_id_.end()) continue;  // already evicted for memory
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    by_id_.erase(it);
  }
  // Ids evicted for memory stay in by_age_ until their TTL passes (16 bytes each).
  while (!by_age_.empty() && !by_id_.contains(by_age_.front().second)) by_age_.pop_front();
}

std::size_t RankedListCache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

std::size_t RankedListCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace feedrank::ranker
