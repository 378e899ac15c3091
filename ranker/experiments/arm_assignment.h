// Deterministic, stateless assignment of viewers to experiment arms: a stable hash (XXH3-64 of
// the salt and the user id) into 10,000 buckets; an arm owns a contiguous run of buckets in the
// order the arms are listed. Experiments are tried in config order and the first active one whose
// arms cover the viewer's bucket takes the viewer: since salts are independent, the viewers an
// experiment leaves are a uniform sample for the next one, whose arms stay balanced.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "ranker/experiments/experiment_config.h"

namespace feedrank::ranker {

// 0..kAssignmentBuckets-1; the same on every machine and release.
int assignment_bucket(std::string_view salt, UserId user);

struct ArmAssignment {
  const ExperimentConfig* experiment = nullptr;
  const ArmConfig* arm = nullptr;
};

// The arm that takes `user` at `now`, or nullopt when no active experiment does. Pointers into
// `config`.
std::optional<ArmAssignment> assign_arm(const ExperimentsConfig& config, UserId user,
                                        TimestampMs now);

// A forced arm (debugging, QA), active or not: NOT_FOUND naming "force_experiment" or
// "force_arm" when the config has no such experiment or arm.
absl::StatusOr<ArmAssignment> find_arm(const ExperimentsConfig& config, std::string_view experiment,
                                       std::string_view arm);

// An arm's name in a cursor (never 0; 0 there means "in no experiment"): a hash of the
// experiment id and the arm name, so that a later page continues the arm of its first page.
std::uint64_t arm_tag(std::string_view experiment, std::string_view arm);
// The arm `tag` names in `config`, active or not; nullopt when no arm has it (a reload removed it).
std::optional<ArmAssignment> find_arm_by_tag(const ExperimentsConfig& config, std::uint64_t tag);

}  // namespace feedrank::ranker
