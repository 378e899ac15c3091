// A count of holders with an upper bound, for refusing work past it at once and without a lock
// (the server's in-flight limits per method, the engine's bound on feeds being ranked).
#pragma once

#include <algorithm>
#include <atomic>
#include <optional>
#include <utility>

namespace feedrank {

class BoundedCount {
 public:
  explicit BoundedCount(int limit) : limit_(std::max(limit, 1)) {}
  BoundedCount(const BoundedCount&) = delete;
  BoundedCount& operator=(const BoundedCount&) = delete;

  // One unit of the count, held until destroyed.
  class Slot {
   public:
    Slot(Slot&& other) noexcept : count_(std::exchange(other.count_, nullptr)) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&& other) noexcept {
      std::swap(count_, other.count_);
      return *this;
    }
    ~Slot() {
      if (count_) count_->fetch_sub(1, std::memory_order_relaxed);
    }

   private:
    friend class BoundedCount;
    explicit Slot(std::atomic<int>* count) : count_(count) {}
    std::atomic<int>* count_;
  };

  // A slot, or nothing when `limit` are held.
  std::optional<Slot> try_acquire() {
    // Taking the slot first and giving it back when over makes the bound exact without a lock.
    if (count_.fetch_add(1, std::memory_order_relaxed) >= limit_) {
      count_.fetch_sub(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    return Slot(&count_);
  }

  int limit() const { return limit_; }
  int held() const { return count_.load(std::memory_order_relaxed); }

 private:
  const int limit_;
  std::atomic<int> count_{0};
};

}  // namespace feedrank
