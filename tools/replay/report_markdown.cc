#include "tools/replay/report_markdown.h"

#include <algorithm>
#include <ctime>

#include "fmt/chrono.h"
#include "fmt/format.h"

namespace feedrank::replay {
namespace {

constexpr int kMetricColumns = 10;  // the columns after the list's name

std::string utc(TimestampMs ms) {
  return fmt::format("{:%Y-%m-%d %H:%M} UTC", fmt::gmtime(static_cast<std::time_t>(ms / 1000)));
}

void append_header(const ReplayReport& report, std::string& out) {
  const CutCounts& c = report.counts;
  const ReplayOptions& o = report.options;
  fmt::format_to(std::back_inserter(out), "# feedrank replay\n\n");
  fmt::format_to(std::back_inserter(out), "- data: {}, {} records loaded\n", report.source,
                 report.records_loaded);
  fmt::format_to(std::back_inserter(out), "- cut: {} ({} ms), {}\n", utc(report.cut), report.cut,
                 report.cut_rule);
  fmt::format_to(std::back_inserter(out),
                 "- history written to the engine: {} users, {} follows, {} unfollows, {} posts, "
                 "{} deletes, {} engagements ({} of the unfollows and deletes undated, history by "
                 "their place in the input); after the cut: {} follows, {} unfollows, {} posts, {} "
                 "deletes, {} engagements; dropped (their post is not in the history): {}; repeated "
                 "engagements kept once (same post, user, kind and time): {}\n",
                 c.users, c.follows, c.unfollows, c.posts, c.deletes, c.engagements,
                 c.undated_before_cut, c.follows_after_cut, c.unfollows_after_cut,
                 c.posts_after_cut, c.deletes_after_cut, c.engagements_after_cut, c.dropped,
                 c.repeated_engagements);
  fmt::format_to(std::back_inserter(out),
                 "- viewers judged: {} of {} that existed before the cut and engaged after it "
                 "with earlier posts (sample seed {}); ground truth {:.1f} posts a viewer; "
                 "engagement kinds that make ground truth: {} (any kind makes a post already "
                 "engaged)\n",
                 report.viewers_judged, report.viewers_eligible, o.seed, report.mean_truth_size,
                 o.positive_kinds.describe());
  fmt::format_to(std::back_inserter(out),
                 "- lists: k = {} after dropping the viewer's own and already engaged posts; {} "
                 "live posts before the cut; recent popularity over the last {:g} days; user-kNN "
                 "with {} neighbours, filled from popularity; random with seed {}; algorithmic "
                 "ranking config {}\n",
                 o.k, report.live_posts, static_cast<double>(o.recent_window_ms) / kDayMs,
                 o.knn_neighbours, o.seed, report.ranking_config_version);
  const auto reference = std::find_if(report.rows.begin(), report.rows.end(), [&](const auto& row) {
    return row.name == o.reference_list;
  });
  if (reference != report.rows.end() && !reference->unavailable.empty()) {
    fmt::format_to(std::back_inserter(out),
                   "- NDCG@10 vs {0}: no intervals, the {0} row is not available on this data "
                   "({1}); choose another with --reference-list\n",
                   o.reference_list, reference->unavailable);
  } else {
    fmt::format_to(std::back_inserter(out),
                   "- NDCG@10 vs {0}: a row's mean per-viewer difference from the {0} row, with a "
                   "paired bootstrap 95% interval over the judged viewers ({1} resamples, seed "
                   "{2})\n",
                   o.reference_list, kBootstrapResamples, o.seed);
  }
  for (const std::string& compared : report.compared_configs) {
    fmt::format_to(std::back_inserter(out), "- {}\n", compared);
  }
  for (const std::string& model : report.learned_models) {
    fmt::format_to(std::back_inserter(out), "- learned model, {}\n", model);
  }
  const ReplayTimings& t = report.timings;
  fmt::format_to(std::back_inserter(out),
                 "- wall time: {:.1f} s (load {:.1f} s, cut and write history {:.1f} s, train "
                 "{:.1f} s, lists {:.1f} s)\n\n",
                 t.total_seconds, t.load_seconds, t.history_seconds, t.training_seconds,
                 t.lists_seconds);
}

std::string vs_reference(const ListScores& row, const std::string& reference) {
  if (row.name == reference) return "reference";
  if (!row.ndcg_at_10_vs_reference) return "n/a";
  const DifferenceInterval& d = *row.ndcg_at_10_vs_reference;
  return fmt::format("{:+.4f} [{:+.4f}, {:+.4f}]", d.difference, d.low, d.high);
}

void append_row(const ListScores& row, const std::string& reference, std::string& out) {
  if (!row.unavailable.empty()) {
    fmt::format_to(std::back_inserter(out), "| {} | not available ({}) |", row.name,
                   row.unavailable);
    for (int column = 1; column < kMetricColumns; ++column) out += " |";
    out += "\n";
    return;
  }
  fmt::format_to(std::back_inserter(out),
                 "| {} | {:.4f} | {:.4f} | {:.4f} | {:.4f} | {:.4f} | {:.4f} | {:.3f} | {:.1f} | "
                 "{} | {} |\n",
                 row.name, row.ndcg_at_10, row.hit_rate_at_10, row.recall_at_10, row.recall_at_k,
                 row.mrr, row.coverage, row.author_diversity_at_10, row.mean_age_hours_at_10,
                 row.viewers, vs_reference(row, reference));
}

}  // namespace

std::string to_markdown(const ReplayReport& report) {
  std::string out;
  append_header(report, out);
  fmt::format_to(std::back_inserter(out),
                 "| list | NDCG@10 | hit rate@10 | recall@10 | recall@{} | MRR | coverage | "
                 "author diversity@10 | mean age@10 (h) | viewers | NDCG@10 vs {} [95% CI] |\n",
                 report.options.k, report.options.reference_list);
  out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const ListScores& row : report.rows) append_row(row, report.options.reference_list, out);
  return out;
}

}  // namespace feedrank::replay
