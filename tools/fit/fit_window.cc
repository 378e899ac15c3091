#include "tools/fit/fit_window.h"

#include "fmt/format.h"
#include "tools/replay/cut_time.h"

namespace feedrank::fit {
namespace {

struct End {
  TimestampMs at = 0;
  std::string rule;
};

absl::StatusOr<End> choose_end(const std::vector<v1::IngestRecord>& records,
                               std::optional<TimestampMs> given, double quantile) {
  if (given) return End{*given, "given"};
  auto at = replay::engagement_time_quantile(records, quantile);
  if (!at.ok()) return at.status();
  return End{*at, fmt::format("quantile {:g} of the engagement times", quantile)};
}

absl::StatusOr<End> choose_cut(const std::vector<v1::IngestRecord>& records,
                               const WindowChoice& choice, TimestampMs label_end) {
  if (!choice.cut_quantile_before_label_end) {
    return choose_end(records, choice.cut_ms, choice.cut_quantile);
  }
  const double quantile = *choice.cut_quantile_before_label_end;
  auto at = replay::engagement_time_quantile(records_before(records, label_end), quantile);
  if (!at.ok()) return at.status();
  return End{*at, fmt::format("quantile {:g} of the engagement times before the label end",
                              quantile)};
}

}  // namespace

absl::StatusOr<FitWindow> choose_fit_window(const std::vector<v1::IngestRecord>& records,
                                            const WindowChoice& choice) {
  auto label_end = choose_end(records, choice.label_end_ms, choice.label_end_quantile);
  if (!label_end.ok()) return label_end.status();
  auto cut = choose_cut(records, choice, label_end->at);
  if (!cut.ok()) return cut.status();
  if (label_end->at <= cut->at) {
    return absl::InvalidArgumentError(fmt::format(
        "the label end ({} ms, {}) must be after the cut ({} ms, {}): no engagements to learn from",
        label_end->at, label_end->rule, cut->at, cut->rule));
  }
  return FitWindow{cut->at, label_end->at,
                   fmt::format("cut: {}; label end: {}", cut->rule, label_end->rule)};
}

std::vector<v1::IngestRecord> records_before(const std::vector<v1::IngestRecord>& records,
                                             TimestampMs label_end) {
  std::vector<v1::IngestRecord> kept;
  kept.reserve(records.size());
  for (const v1::IngestRecord& record : records) {
    if (record.has_post() && record.post().created_at_ms() >= label_end) continue;
    if (record.has_follow() && record.follow().created_at_ms() >= label_end) continue;
    if (record.has_unfollow() && record.unfollow().created_at_ms() > 0 &&
        record.unfollow().created_at_ms() >= label_end) {
      continue;  // an undated one stays, like a delete
    }
    if (record.has_engagement() && record.engagement().at_ms() >= label_end) continue;
    kept.push_back(record);
  }
  return kept;
}

}  // namespace feedrank::fit
