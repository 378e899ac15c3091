// Which of an experiment's engagements its report counts, and where (a step of
// experiment_report.cc, apart to keep both small): those of its viewers from their first impression
// to their last + the window. Each is attributed to an impression (attribution.h) or, failing that,
// counted against the arm the viewer was in at the time: the arm of their latest impression at or
// before it. Earlier and later engagements, and those of other users, are left out.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "store/impression_log.h"
#include "store/records.h"

namespace feedrank::ranker {

struct EngagementCredits {
  // Per impression: the engagements attributed to it, by kind.
  std::vector<std::array<std::uint32_t, kEngagementKindCount>> by_impression;
  std::vector<std::uint64_t> unattributed_by_arm;
};

// `arm_of[i]` is impression i's arm, below `arm_count`. Inputs in any order.
EngagementCredits credit_engagements(std::span<const store::Impression> impressions,
                                     std::span<const std::size_t> arm_of, std::size_t arm_count,
                                     std::span<const Engagement> engagements,
                                     TimestampMs window_ms);

}  // namespace feedrank::ranker
