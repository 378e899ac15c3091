// A bound on the calls each RPC method may have in flight at once. A call past it is refused at
// once (RESOURCE_EXHAUSTED) rather than queued, so that under overload the calls that are
// accepted keep their latency and callers learn to back off.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace feedrank::api::serving {

class InFlightLimits {
 public:
  // One slot per method, limits[i] for methods[i] (at least 1 each).
  InFlightLimits(std::vector<std::string> methods, std::vector<int> limits);

  // Holds one of a method's slots until destroyed.
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
    friend class InFlightLimits;
    explicit Slot(std::atomic<int>* count) : count_(count) {}
    std::atomic<int>* count_;
  };

  // A slot of method `index`, or nothing when its limit is reached.
  std::optional<Slot> try_acquire(std::size_t index);

  std::size_t method_count() const { return methods_.size(); }
  const std::string& method(std::size_t index) const { return methods_[index]; }
  int limit(std::size_t index) const { return limits_[index]; }
  int in_flight(std::size_t index) const;

 private:
  std::vector<std::string> methods_;
  std::vector<int> limits_;
  std::unique_ptr<std::atomic<int>[]> in_flight_;
};

}  // namespace feedrank::api::serving
