// feedrank report: an experiment's report (GetExperimentReport) as a table or one JSON object,
// and optionally as a self-contained HTML page.
#include <cmath>
#include <iostream>
#include <memory>

#include "feedrank/v1/feedrank.grpc.pb.h"
#include "ranker/experiments/experiment_config.h"
#include "tools/cli/commands.h"
#include "tools/cli/grpc_client.h"
#include "tools/cli/report_rendering.h"

namespace feedrank::cli {
namespace {

constexpr double kHourMs = 3'600'000;
constexpr double kMaxWindowHours = ranker::kMaxAttributionWindowMs / kHourMs;  // the server's limit

struct ReportOptions {
  std::string experiment;
  double window_hours = 0;  // 0: the experiment's own attribution window
  bool json = false;
  std::string html_path;
};

int run_report(const std::string& server, const ReportOptions& options) {
  v1::GetExperimentReportRequest request;
  request.set_experiment_id(options.experiment);
  request.set_attribution_window_ms(std::llround(options.window_hours * kHourMs));

  v1::FeedRank::Stub stub(open_channel(server));
  grpc::ClientContext context;
  set_deadline(context, kReportDeadline);
  v1::GetExperimentReportResponse report;
  const grpc::Status status = stub.GetExperimentReport(&context, request, &report);
  if (!status.ok()) return report_rpc_error(status);

  std::cout << (options.json ? report_json(report) + "\n" : report_table(report));
  return options.html_path.empty() || write_report_html(options.html_path, report) ? 0 : 1;
}

}  // namespace

Subcommand add_report_command(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* app = root.add_subcommand(
      "report",
      "Print an experiment's report: per arm metrics with 95% confidence intervals, "
      "each arm against the first, interleaving wins");
  app->add_option("--experiment", options->experiment, "Experiment id")->required();
  app->add_option("--window-hours", options->window_hours,
                  "Credit engagements this long after an impression (0: the experiment's "
                  "attribution_window_hours)")
      ->check(CLI::Range(0.0, kMaxWindowHours))
      ->capture_default_str();
  app->add_flag("--json", options->json, "Print one JSON object (the proto's JSON mapping)");
  app->add_option("--html", options->html_path,
                  "Also write the report as a self-contained HTML page with charts to this file");
  return {app, [&global, options] { return run_report(global.server, *options); }};
}

}  // namespace feedrank::cli
