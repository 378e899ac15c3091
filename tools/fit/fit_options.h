// What `feedrank fit-ranker` reads, where it cuts and how it fits: its command line as plain data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>


#include "ranker/vectors/vector_space.h"
#include "tools/fit/fit_window.h"
#include "tools/replay/replay_options.h"

namespace feedrank::fit {

struct FitOptions {
  replay::ReplaySource source;
  std::filesystem::path data_dir;  // a stopped server's store; when set, instead of `source`
  WindowChoice window;
  int max_viewers = 1000;  // viewers whose candidates become examples (a seeded sample)
  std::uint64_t seed = 1;  // the viewer sample and the held-out split
  double held_out_fraction = 0.2;
  double l2 = 1.0;                    // penalty on the weights (see LogisticOptions)
  std::filesystem::path base_config;  // RankingConfig JSON; empty: the built-in defaults
  std::string version;                // empty: fitted_version(input name, cut)
  // The retrieval space the candidates come from; learned and hybrid train their model at the
  // cut, so that the learned_score feature has values to fit.
  ranker::VectorSpace vector_space = ranker::VectorSpace::kText;
  // The engagement kinds that label a candidate positive (default: every kind).
  replay::PositiveKinds positive_kinds;
};

}  // namespace feedrank::fit
