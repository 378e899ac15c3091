// Between the model's weights (model_columns.h) and a RankingConfig: a feature's weight is its
// config weight; a source indicator's weight w is ln(scale), the log-odds the source adds over
// in-network, so its scale is e^w.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ranker/scoring/ranking_config.h"
#include "store/records.h"

namespace feedrank::fit {

// The scales' range that parse_ranking_config accepts.
inline constexpr double kMinSourceScale = 1e-6;
inline constexpr double kMaxSourceScale = 1e6;
inline constexpr double kMaxAbsWeight = 1e6;

// `base` with the fitted weights and source scales (in-network's set to 1, clamped to the
// accepted ranges) and `version`; every other setting (half-lives, candidate counts, diversity)
// is the base's, as the examples were gathered with them. A column not `estimated` (constant in
// the data, see LogisticFit) keeps the base's value: its weight, or its scale relative to
// in-network's; the data said nothing about it. `estimated` empty: every column was.
ranker::RankingConfig fitted_ranking_config(const ranker::RankingConfig& base,
                                            std::span<const double> weights, std::string version,
                                            const std::vector<bool>& estimated = {});

// The config's scores as model weights (the inverse of the above, up to a shift of every score
// by ln(in-network scale), which changes no ranking): to compare a config with a fit.
std::vector<double> model_weights(const ranker::RankingConfig& config);

// "fitted-<input name>-<cut date, YYYY-MM-DD in UTC>".
std::string fitted_version(std::string_view input_name, TimestampMs cut);

}  // namespace feedrank::fit
