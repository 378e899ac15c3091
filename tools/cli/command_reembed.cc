// feedrank reembed: the server recomputes every text-derived post vector with today's IDF, in
// the background; with --wait, follows its progress until it ends.
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include "feedrank/v1/feedrank.grpc.pb.h"
#include "tools/cli/commands.h"
#include "tools/cli/grpc_client.h"
#include "tools/cli/reembed_printer.h"

namespace feedrank::cli {
namespace {

constexpr std::chrono::seconds kPollInterval{1};

// Polls GetStats until the re-embedding ends: its summary on stdout, 0 when done, 1 when failed.
// Progress lines go to stderr.
int wait_for_end(v1::FeedRank::Stub& stub, v1::ReembedProgress progress) {
  while (progress.running()) {
    std::cerr << reembed_summary(progress) << std::endl;
    std::this_thread::sleep_for(kPollInterval);
    grpc::ClientContext context;
    set_deadline(context, kUnaryDeadline);
    v1::GetStatsResponse stats;
    const grpc::Status status = stub.GetStats(&context, v1::GetStatsRequest(), &stats);
    // A busy server may refuse a poll; the job goes on, so ask again at the next one.
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) continue;
    if (!status.ok()) return report_rpc_error(status);
    progress = stats.reembed();
  }
  std::cout << "re-embedding " << reembed_summary(progress) << "\n";
  return progress.error().empty() ? 0 : 1;
}

int reembed(const std::string& server, bool wait) {
  auto channel = open_channel(server);
  v1::FeedRank::Stub stub(channel);
  grpc::ClientContext context;
  set_deadline(context, kUnaryDeadline);
  v1::ReembedResponse response;  // the wait happens here, so that progress can be shown
  const grpc::Status status = stub.Reembed(&context, v1::ReembedRequest(), &response);
  if (!status.ok()) return report_rpc_error(status);
  if (wait) return wait_for_end(stub, response.reembed());
  std::cout << "re-embedding started: " << response.reembed().rows_total()
            << " rows (feedrank stats shows its progress)\n";
  return 0;
}

}  // namespace

Subcommand add_reembed_command(CLI::App& root, const GlobalOptions& global) {
  auto wait = std::make_shared<bool>(false);
  CLI::App* app = root.add_subcommand(
      "reembed",
      "Recompute every post vector derived from its text (not those callers supplied) with the "
      "IDF of now, in the background while the server serves reads and writes");
  app->add_flag("--wait", *wait, "Wait for the end, printing the progress to stderr");
  return {app, [&global, wait] { return reembed(global.server, *wait); }};
}

}  // namespace feedrank::cli
