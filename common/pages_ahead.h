// Backs the pages that a StableArray's writer will write next, on a thread of its own, before
// the writer gets there. An array of huge pages (common/huge_pages.h) had the kernel allocate and
// zero a 2 MB page, compacting memory for it where need be, inside the first write into each
// one: 4-13 ms under the readers' exclusive lock every ~8,000 rows of a 128-dimension
// half-precision vector table, on the 2-core dev VM (benchmarks/RESULTS.md, thirty-fourth
// session). madvise(MADV_POPULATE_WRITE) backs pages without writing to them, so it may run
// beside the writer's writes; only a move of the array must wait for it.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <future>
#include <system_error>
#include <utility>

#include "common/stable_array.h"

namespace feedrank {

#ifdef MADV_POPULATE_WRITE
inline constexpr int kMadvisePopulateWrite = MADV_POPULATE_WRITE;
#else
inline constexpr int kMadvisePopulateWrite = 23;  // Linux's value, for older headers
#endif

class PagesAhead {
 public:
  // Backed bytes kept ahead of the writer: a few huge pages.
  static constexpr std::size_t kAheadBytes = std::size_t{8} << 20;

  PagesAhead() = default;
  // Spare work, not state: a copy starts with none.
  PagesAhead(const PagesAhead& /*other*/) {}
  PagesAhead& operator=(const PagesAhead& other) {
    if (this != &other) *this = PagesAhead();
    return *this;
  }
  PagesAhead(PagesAhead&& other) noexcept { *this = std::move(other); }
  PagesAhead& operator=(PagesAhead&& other) noexcept {
    backing_ = std::move(other.backing_);  // waits for the thread it drops
    base_ = other.base_.load(std::memory_order_relaxed);
    backed_ = other.backed_.load(std::memory_order_relaxed);
    return *this;
  }
  ~PagesAhead() = default;  // waits for the thread (std::async's future does)

  // The array's one writer, before it grows `array` to `size` elements, outside its readers'
  // lock: when less than half of kAheadBytes is backed past those elements, a thread backs up
  // to kAheadBytes past them. Nothing when a thread is still at it or none can be had.
  template <class T>
  void before_growth(const StableArray<T>& array, std::size_t size) {
    if (backing_.valid()) {
      if (backing_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
      backing_.get();
    }
    char* base = reinterpret_cast<char*>(const_cast<T*>(array.data()));
    if (base == nullptr) return;
    const std::size_t mapped = array.capacity() * sizeof(T) / kStep * kStep;
    const std::size_t written = size * sizeof(T);
    if (written > array.capacity() * sizeof(T)) return;  // this growth moves the array
    if (base != base_.load(std::memory_order_relaxed)) {
      // Mapped anew or moved: what lies below `written` is backed.
      base_.store(base, std::memory_order_relaxed);
      backed_.store(written / kStep * kStep, std::memory_order_relaxed);
    }
    const std::size_t from = backed_.load(std::memory_order_relaxed);
    if (from >= mapped || from >= written + kAheadBytes / 2) return;
    const std::size_t to = std::min(mapped, (written + kAheadBytes + kStep - 1) / kStep * kStep);
    try {
      backing_ = std::async(std::launch::async, [start = base + from, bytes = to - from] {
        // Where the kernel lacks it (before Linux 5.14) this fails, and the writer's writes
        // fault the pages in as before.
        ::madvise(start, bytes, kMadvisePopulateWrite);
      });
      backed_.store(to, std::memory_order_relaxed);
    } catch (const std::system_error&) {
      // No thread to be had: the writer's writes fault the pages in.
    }
  }

  // Bytes asked to be backed past the first `counted` bytes of the array that starts at `data`
  // (0 when this backs another array or none): memory in use that the array's size leaves out.
  // Any thread may ask, beside the writer; a statistic, not a synchronised count.
  std::size_t backed_past(const void* data, std::size_t counted) const {
    if (base_.load(std::memory_order_relaxed) != data) return 0;
    const std::size_t backed = backed_.load(std::memory_order_relaxed);
    return backed > counted ? backed - counted : 0;
  }

  // Before anything that may move or free the array: waits for the thread.
  void wait() {
    if (backing_.valid()) backing_.get();
  }

 private:
  static constexpr std::size_t kStep = std::size_t{2} << 20;  // a huge page

  std::future<void> backing_;
  // Written by the array's writer only; atomic for backed_past()'s readers.
  std::atomic<char*> base_{nullptr};    // the array's data() when backed_ was counted
  std::atomic<std::size_t> backed_{0};  // bytes from base_ on that a thread was asked to back
};

}  // namespace feedrank
