#include "api/serving/in_flight_limits.h"

namespace feedrank::api::serving {

InFlightLimits::InFlightLimits(std::vector<std::string> methods, std::vector<int> limits)
    : methods_(std::move(methods)) {
  limits.resize(methods_.size(), 1);
  for (const int limit : limits) counts_.emplace_back(limit);
}

}  // namespace feedrank::api::serving
