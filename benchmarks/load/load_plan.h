// What a load run sends: the kinds of call, their shares of the traffic (--mix) and the parser
// of the mix's text form, `chrono=0.7,algo=0.1,nearest=0.1,posts=0.05,engagements=0.05`.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace feedrank::load {

enum class CallKind : std::size_t {
  kChronologicalFeed,  // GetFeed, FEED_MODE_CHRONOLOGICAL
  kAlgorithmicFeed,    // GetFeed, FEED_MODE_ALGORITHMIC
  kNearestPosts,       // GetNearestPosts for a viewer
  kCreatePosts,        // CreatePosts of new posts
  kRecordEngagements,  // RecordEngagements with existing posts
};
inline constexpr std::size_t kCallKinds = 5;

// The mix's key ("chrono") and the RPC's name as reports show it ("GetFeed chronological").
std::string_view mix_key(CallKind kind);
std::string_view call_name(CallKind kind);
bool is_write(CallKind kind);

// Shares of each kind, summing to 1.
class CallMix {
 public:
  // `text` is comma-separated KEY=WEIGHT, KEY one of chrono, algo, nearest, posts, engagements
  // (`writes` stands for posts and engagements in equal halves); weights are non-negative
  // numbers, at least one positive, with a finite total, scaled to sum to 1. `flag` names the
  // flag in errors.
  static absl::StatusOr<CallMix> parse(std::string_view text, std::string_view flag = "--mix");

  double share(CallKind kind) const { return shares_[static_cast<std::size_t>(kind)]; }
  bool empty() const;
  // A kind drawn with the mix's shares from u, uniform in [0, 1).
  CallKind pick(double u) const;
  // "chrono=0.70,algo=0.10,...": the kinds with a share, as parse() reads them back.
  std::string to_string() const;

 private:
  std::array<double, kCallKinds> shares_{};
};

}  // namespace feedrank::load
