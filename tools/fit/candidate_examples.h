// Training examples from the ranker's own candidates: one row per candidate of a viewer (its
// feature row and source indicators, see model_columns.h), labelled by whether the viewer went on
// to engage with the post.
#pragma once

#include "ranker/pipeline/algorithmic_pipeline.h"
#include "tools/fit/example_matrix.h"
#include "tools/replay/pre_cut_state.h"

namespace feedrank::fit {

// `engaged_later`: the viewer's posts engaged with in the label window. `out` has kModelColumns.
void append_candidate_examples(const ranker::ScoringInput& input,
                               const replay::PostSet& engaged_later, ExampleMatrix& out);

}  // namespace feedrank::fit
