#include "api/serving/request_id.h"

#include <atomic>
#include <chrono>
#include <random>

#include "common/split_mix64.h"
#include "fmt/format.h"

namespace feedrank::api::serving {
namespace {

constexpr std::size_t kMaxRequestIdLength = 128;

bool allowed(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("._:/+=-").find(c) != std::string_view::npos;
}

std::uint64_t process_seed() {
  std::random_device device;
  return (std::uint64_t{device()} << 32) ^ device() ^
         static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

}  // namespace

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (const char c : id) {
    if (!allowed(c)) return false;
  }
  return true;
}

std::string new_request_id() {
  // SplitMix64's stream from a random seed: its finaliser is a bijection, so every call of this
  // process gets a distinct id.
  static const std::uint64_t seed = process_seed();
  static std::atomic<std::uint64_t> counter{0};
  const std::uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  return fmt::format("{:016x}", split_mix64_finalise(seed + (n + 1) * kSplitMix64Gamma));
}

}  // namespace feedrank::api::serving
