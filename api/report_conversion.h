// Experiment reports from domain to proto.
#pragma once

#include "feedrank/v1/feedrank.pb.h"
#include "ranker/experiments/experiment_report.h"

namespace feedrank::api {

void to_proto(const ranker::ExperimentReport& report, v1::GetExperimentReportResponse& response);

}  // namespace feedrank::api
