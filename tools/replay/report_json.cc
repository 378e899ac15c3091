#include "tools/replay/report_json.h"

#include <nlohmann/json.hpp>

namespace feedrank::replay {
namespace {

nlohmann::json row_json(const ListScores& row) {
  nlohmann::json out = {{"list", row.name}};
  if (!row.unavailable.empty()) {
    out["unavailable"] = row.unavailable;
    return out;
  }
  out["ndcg_at_10"] = row.ndcg_at_10;
  out["hit_rate_at_10"] = row.hit_rate_at_10;
  out["recall_at_10"] = row.recall_at_10;
  out["recall_at_k"] = row.recall_at_k;
  out["mrr"] = row.mrr;
  out["coverage"] = row.coverage;
  out["author_diversity_at_10"] = row.author_diversity_at_10;
  out["mean_age_hours_at_10"] = row.mean_age_hours_at_10;
  out["viewers"] = row.viewers;
  out["empty_lists"] = row.empty_lists;
  if (row.ndcg_at_10_vs_reference) {
    const DifferenceInterval& d = *row.ndcg_at_10_vs_reference;
    out["ndcg_at_10_vs_reference"] = {
        {"difference", d.difference}, {"ci95_low", d.low}, {"ci95_high", d.high}};
  }
  return out;
}

}  // namespace

std::string to_json(const ReplayReport& report) {
  const CutCounts& c = report.counts;
  const ReplayOptions& o = report.options;
  nlohmann::json rows = nlohmann::json::array();
  for (const ListScores& row : report.rows) rows.push_back(row_json(row));
  const nlohmann::json out = {
      {"source", report.source},
      {"records_loaded", report.records_loaded},
      {"cut_ms", report.cut},
      {"cut_rule", report.cut_rule},
      {"history",
       {{"users", c.users},
        {"follows", c.follows},
        {"unfollows", c.unfollows},
        {"posts", c.posts},
        {"deletes", c.deletes},
        {"engagements", c.engagements},
        {"undated_unfollows_and_deletes", c.undated_before_cut}}},
      {"after_cut",
       {{"follows", c.follows_after_cut},
        {"unfollows", c.unfollows_after_cut},
        {"posts", c.posts_after_cut},
        {"deletes", c.deletes_after_cut},
        {"engagements", c.engagements_after_cut}}},
      {"dropped", c.dropped},
      {"repeated_engagements", c.repeated_engagements},
      {"live_posts", report.live_posts},
      {"viewers_eligible", report.viewers_eligible},
      {"viewers_judged", report.viewers_judged},
      {"mean_truth_size", report.mean_truth_size},
      {"k", o.k},
      {"seed", o.seed},
      {"recent_window_ms", o.recent_window_ms},
      {"knn_neighbours", o.knn_neighbours},
      {"positive_kinds", o.positive_kinds.names()},  // empty: every kind
      {"reference_list", o.reference_list},
      {"bootstrap_resamples", kBootstrapResamples},
      {"ranking_config_version", report.ranking_config_version},
      {"wall_seconds",
       {{"load", report.timings.load_seconds},
        {"history", report.timings.history_seconds},
        {"training", report.timings.training_seconds},
        {"lists", report.timings.lists_seconds},
        {"total", report.timings.total_seconds}}},
      {"learned_models", report.learned_models},
      {"compared_configs", report.compared_configs},
      {"rows", rows},
  };
  return out.dump(2);
}

}  // namespace feedrank::replay
