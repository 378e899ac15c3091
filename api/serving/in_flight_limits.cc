#include "api/serving/in_flight_limits.h"

#include <algorithm>

namespace feedrank::api::serving {

InFlightLimits::InFlightLimits(std::vector<std::string> methods, std::vector<int> limits)
    : methods_(std::move(methods)),
      limits_(std::move(limits)),
      in_flight_(std::make_unique<std::atomic<int>[]>(methods_.size())) {
  limits_.resize(methods_.size(), 1);
  for (int& limit : limits_) limit = std::max(limit, 1);
}

std::optional<InFlightLimits::Slot> InFlightLimits::try_acquire(std::size_t index) {
  std::atomic<int>& count = in_flight_[index];
  // Taking the slot first and giving it back when over makes the bound exact without a lock.
  if (count.fetch_add(1, std::memory_order_relaxed) >= limits_[index]) {
    count.fetch_sub(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  return Slot(&count);
}

int InFlightLimits::in_flight(std::size_t index) const {
  return in_flight_[index].load(std::memory_order_relaxed);
}

}  // namespace feedrank::api::serving
