#include "ranker/experiments/arm_assignment.h"

#include <xxhash.h>

#include <array>
#include <string>

#include "fmt/format.h"

namespace feedrank::ranker {
namespace {

bool is_active(const ExperimentConfig& experiment, TimestampMs now) {
  return experiment.start_ms <= now && (experiment.end_ms == 0 || now < experiment.end_ms);
}

// The arm whose run of buckets holds `bucket`, or null when the arms leave it uncovered.
const ArmConfig* arm_for_bucket(const ExperimentConfig& experiment, int bucket) {
  int end = 0;
  for (const ArmConfig& arm : experiment.arms) {
    end += arm.buckets;
    if (bucket < end) return &arm;
  }
  return nullptr;
}

}  // namespace

int assignment_bucket(std::string_view salt, UserId user) {
  // The id's bytes are spelt out little-endian so that the hash, and with it every viewer's
  // arm, does not depend on the machine's byte order.
  std::string bytes(salt);
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((user >> (8 * i)) & 0xff));
  return static_cast<int>(XXH3_64bits(bytes.data(), bytes.size()) % kAssignmentBuckets);
}

std::optional<ArmAssignment> assign_arm(const ExperimentsConfig& config, UserId user,
                                        TimestampMs now) {
  for (const ExperimentConfig& experiment : config.experiments) {
    if (!is_active(experiment, now)) continue;
    if (const ArmConfig* arm =
            arm_for_bucket(experiment, assignment_bucket(experiment.salt, user))) {
      return ArmAssignment{&experiment, arm};
    }
  }
  return std::nullopt;
}

absl::StatusOr<ArmAssignment> find_arm(const ExperimentsConfig& config, std::string_view experiment,
                                       std::string_view arm) {
  for (const ExperimentConfig& candidate : config.experiments) {
    if (candidate.id != experiment) continue;
    for (const ArmConfig& arm_config : candidate.arms) {
      if (arm_config.name == arm) return ArmAssignment{&candidate, &arm_config};
    }
    return absl::NotFoundError(
        fmt::format("force_arm: experiment \"{}\" has no arm \"{}\"", experiment, arm));
  }
  return absl::NotFoundError(fmt::format("force_experiment: no experiment \"{}\"", experiment));
}

std::uint64_t arm_tag(std::string_view experiment, std::string_view arm) {
  // Ids and names never hold a NUL (experiment_config.cc): it keeps ("a", "bc") from ("ab", "c").
  std::string bytes(experiment);
  bytes.push_back('\0');
  bytes.append(arm);
  const std::uint64_t tag = XXH3_64bits(bytes.data(), bytes.size());
  return tag == 0 ? 1 : tag;
}

std::optional<ArmAssignment> find_arm_by_tag(const ExperimentsConfig& config, std::uint64_t tag) {
  for (const ExperimentConfig& experiment : config.experiments) {
    for (const ArmConfig& arm : experiment.arms) {
      if (arm_tag(experiment.id, arm.name) == tag) return ArmAssignment{&experiment, &arm};
    }
  }
  return std::nullopt;
}

}  // namespace feedrank::ranker
