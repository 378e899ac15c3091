// The learned model and its training for people (`feedrank stats`, `feedrank train`) and for
// scripts (stats --json).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "feedrank/v1/feedrank.pb.h"

namespace feedrank::cli {

// "v2: 40 users, 236 posts, 320 engagement pairs; 15 iterations, converged, loss 0.0123; 0.4 s
// on cpu (cblas); trained at 2024-01-31T23:59:07Z through sequence 812".
std::string model_summary(const v1::LearnedModelInfo& model);

// A training's progress as `feedrank train --wait` prints it: "iteration 3/15 loss 0.0123" while
// it trains, else its phase ("gathering", "indexing", ...).
std::string progress_line(const v1::TrainingProgress& training);

// `feedrank stats`' training line: "running (training, iteration 3/15, loss 0.0123); 2 finished
// since start", "idle (last: done); 2 finished since start" or "none since start".
std::string training_summary(const v1::TrainingProgress& training);

// {"model": {...} or null, "index", "index_lag", "training": {...}, "training_backend"}, with
// the proto's field names.
nlohmann::ordered_json learned_json(const v1::LearnedSpaceStatus& learned);

}  // namespace feedrank::cli
