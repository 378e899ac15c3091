// The recency feature for another half-life, recomputed from the log-age feature of the same row:
// both are functions of the candidate's age alone (recency = 2^(-age_hours / half-life), log age =
// log1p(age_hours)), so fit-ranker can try half-lives without building the candidates again.
#pragma once

#include "tools/fit/example_matrix.h"

namespace feedrank::fit {

// 2^(-expm1(log_age_hours) / half_life_hours) as a float, as the feature hydrator stores it; 1
// for age 0.
float recency_from_log_age(float log_age_hours, double half_life_hours);

// Rewrites the recency column of every row (ranker::Feature::kRecency) from its log-age column
// (kLogAge). `examples` has the feature columns first, as model_columns.h lays them out.
void set_recency_half_life(ExampleMatrix& examples, double half_life_hours);

}  // namespace feedrank::fit
