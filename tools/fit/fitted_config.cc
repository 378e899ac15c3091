#include "tools/fit/fitted_config.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "fmt/chrono.h"
#include "fmt/format.h"
#include "tools/fit/model_columns.h"

namespace feedrank::fit {
namespace {

float& scale_of(ranker::RankingConfig& config, ranker::CandidateSource source) {
  return config.source_scales[static_cast<std::size_t>(source)];
}

// The float nearest to `value` clamped to [low, high] that is still inside when read back as a
// double (the float nearest 1e-6 is below it).
float clamped_float(double value, double low, double high) {
  float result = static_cast<float>(std::clamp(value, low, high));
  if (result < low) result = std::nextafter(result, INFINITY);
  if (result > high) result = std::nextafter(result, -INFINITY);
  return result;
}

double log_scale(const ranker::RankingConfig& config, ranker::CandidateSource source) {
  return std::log(static_cast<double>(config.source_scales[static_cast<std::size_t>(source)]));
}

}  // namespace

ranker::RankingConfig fitted_ranking_config(const ranker::RankingConfig& base,
                                            std::span<const double> weights, std::string version,
                                            const std::vector<bool>& estimated) {
  const std::vector<double> base_weights = model_weights(base);
  const auto weight_of = [&](std::size_t column) {
    const bool kept = !estimated.empty() && !estimated[column];
    return kept ? base_weights[column] : weights[column];
  };
  ranker::RankingConfig config = base;
  config.version = std::move(version);
  for (int f = 0; f < ranker::kFeatureCount; ++f) {
    config.weights[static_cast<std::size_t>(f)] =
        clamped_float(weight_of(static_cast<std::size_t>(f)), -kMaxAbsWeight, kMaxAbsWeight);
  }
  scale_of(config, ranker::CandidateSource::kFollowing) = 1.0f;
  for (ranker::CandidateSource source : kIndicatorSources) {
    const double weight = weight_of(static_cast<std::size_t>(*source_column(source)));
    scale_of(config, source) = clamped_float(std::exp(weight), kMinSourceScale, kMaxSourceScale);
  }
  return config;
}

std::vector<double> model_weights(const ranker::RankingConfig& config) {
  std::vector<double> weights(kModelColumns, 0.0);
  std::copy(config.weights.begin(), config.weights.end(), weights.begin());
  const double reference = log_scale(config, ranker::CandidateSource::kFollowing);
  for (ranker::CandidateSource source : kIndicatorSources) {
    weights[static_cast<std::size_t>(*source_column(source))] =
        log_scale(config, source) - reference;
  }
  return weights;
}

std::string fitted_version(std::string_view input_name, TimestampMs cut) {
  // Floor division: a cut before 1970 still names the day it falls on.
  const auto seconds = static_cast<std::time_t>(cut >= 0 ? cut / 1000 : (cut - 999) / 1000);
  return fmt::format("fitted-{}-{:%Y-%m-%d}", input_name, fmt::gmtime(seconds));
}

}  // namespace feedrank::fit
