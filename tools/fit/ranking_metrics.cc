#include "tools/fit/ranking_metrics.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "tools/fit/logistic_function.h"

namespace feedrank::fit {

std::optional<double> roc_auc(std::span<const double> scores,
                              std::span<const std::uint8_t> labels) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  // Mann-Whitney: sum of the positives' ranks (ties get their group's mean rank).
  double positive_rank_sum = 0;
  std::size_t positives = 0;
  for (std::size_t start = 0; start < order.size();) {
    std::size_t end = start;
    std::size_t group_positives = 0;
    while (end < order.size() && scores[order[end]] == scores[order[start]]) {
      group_positives += labels[order[end]];
      ++end;
    }
    const double mean_rank = (static_cast<double>(start + 1) + static_cast<double>(end)) / 2;
    positive_rank_sum += mean_rank * static_cast<double>(group_positives);
    positives += group_positives;
    start = end;
  }
  const std::size_t negatives = order.size() - positives;
  if (positives == 0 || negatives == 0) return std::nullopt;
  const double p = static_cast<double>(positives);
  return (positive_rank_sum - p * (p + 1) / 2) / (p * static_cast<double>(negatives));
}

double log_loss(std::span<const double> logits, std::span<const std::uint8_t> labels) {
  if (logits.empty()) return 0;
  double total = 0;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    // -ln sigmoid(x) = softplus(-x); -ln(1 - sigmoid(x)) = softplus(x).
    total += softplus(labels[i] ? -logits[i] : logits[i]);
  }
  return total / static_cast<double>(logits.size());
}

}  // namespace feedrank::fit
