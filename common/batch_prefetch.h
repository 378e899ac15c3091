// Prefetching ahead in a batch of updates to large maps. A committed batch applies thousands of
// items, each a few cache misses in maps of millions (a post's id slot, its author's timeline,
// the author's decayed mean); waited for one by one, they filled much of the time a writer holds
// the readers' lock. Asking for them some items ahead overlaps them. The slots come first; what
// a slot points to (a list's end, a mean's values) can only be asked for once the slot is in
// cache, so a few items later.
#pragma once

#include <cstddef>

namespace feedrank {

enum class PrefetchStep {
  kSlots,    // the maps' slots for the item
  kTargets,  // what those slots point to (they were asked for kSlotsAhead - kTargetsAhead ago)
};

// Calls prefetch(i, step) for items ahead of i, then apply(i), for each i < count in order. The
// first items' slots are asked for together before any is applied: a small batch (a write call
// of ten items) gets its misses overlapped too.
template <class Prefetch, class Apply>
void apply_prefetched(std::size_t count, Prefetch&& prefetch, Apply&& apply) {
  constexpr std::size_t kSlotsAhead = 16;
  constexpr std::size_t kTargetsAhead = 8;
  for (std::size_t i = 0; i < count && i < kSlotsAhead; ++i) prefetch(i, PrefetchStep::kSlots);
  for (std::size_t i = 0; i < count; ++i) {
    if (i + kSlotsAhead < count) prefetch(i + kSlotsAhead, PrefetchStep::kSlots);
    if (i + kTargetsAhead < count) prefetch(i + kTargetsAhead, PrefetchStep::kTargets);
    apply(i);
  }
}

// Asks for the cache lines of [data, data + bytes): a row or a mean, a few lines.
inline void prefetch_bytes(const void* data, std::size_t bytes) {
  constexpr std::size_t kLineBytes = 64;
  const char* const begin = static_cast<const char*>(data);
  for (std::size_t offset = 0; offset < bytes; offset += kLineBytes) {
    __builtin_prefetch(begin + offset);
  }
}

}  // namespace feedrank
