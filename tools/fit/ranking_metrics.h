// How well scores rank and predict binary labels: ROC AUC (the chance that a random positive
// outscores a random negative) and the mean log loss of log-odds.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace feedrank::fit {

// Ties between a positive and a negative count half. nullopt without both labels.
std::optional<double> roc_auc(std::span<const double> scores, std::span<const std::uint8_t> labels);

// Mean of -ln P(label) with P(1) = 1 / (1 + e^-logit), in nats; 0 for no rows. Computed from the
// logits directly, so that confident predictions do not round to log(0).
double log_loss(std::span<const double> logits, std::span<const std::uint8_t> labels);

}  // namespace feedrank::fit
