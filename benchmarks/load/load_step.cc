#include "benchmarks/load/load_step.h"

namespace feedrank::load {

std::uint64_t KindStats::calls() const {
  std::uint64_t total = 0;
  for (const auto& [code, calls] : codes) total += calls;
  return total;
}

std::uint64_t KindStats::ok() const {
  const auto found = codes.find(0);
  return found == codes.end() ? 0 : found->second;
}

void KindStats::merge(const KindStats& other) {
  ok_latency.merge(other.ok_latency);
  for (const auto& [code, calls] : other.codes) codes[code] += calls;
}

std::uint64_t StepResult::calls() const {
  std::uint64_t total = 0;
  for (const StreamResult& stream : streams) {
    for (const KindStats& kind : stream.kinds) total += kind.calls();
  }
  return total;
}

void StreamResult::merge(const StreamResult& other) {
  for (std::size_t i = 0; i < kCallKinds; ++i) kinds[i].merge(other.kinds[i]);
  pacing.add(other.pacing);
}

}  // namespace feedrank::load
