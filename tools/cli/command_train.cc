// feedrank train: the server retrains its learned model on the store as of now; with --wait,
// follows the training's progress until the new model serves.
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include "feedrank/v1/feedrank.grpc.pb.h"
#include "tools/cli/commands.h"
#include "tools/cli/grpc_client.h"
#include "tools/cli/learned_printer.h"

namespace feedrank::cli {
namespace {

constexpr std::chrono::seconds kPollInterval{1};

// Polls GetStats until the serving model's version passes `serving` (prints its summary, 0) or
// the training fails (1). Progress lines go to stderr as they change.
// Our training is the one the Train call started (the server refuses another until it ends), so
// the first time none runs, it has ended: maybe already in the Train response itself.
int wait_for_model(v1::FeedRank::Stub& stub, v1::LearnedSpaceStatus learned) {
  std::string last_line;
  for (;;) {
    const v1::TrainingProgress& training = learned.training();
    if (!training.running()) {
      if (training.phase().starts_with("failed")) {
        std::cerr << "error: training " << training.phase() << "\n";
        return 1;
      }
      std::cout << "model " << model_summary(learned.model()) << "\n";
      return 0;
    }
    const std::string line = progress_line(training);
    if (!line.empty() && line != last_line) std::cerr << line << std::endl;
    last_line = line;
    std::this_thread::sleep_for(kPollInterval);
    grpc::ClientContext context;
    set_deadline(context, kUnaryDeadline);
    v1::GetStatsResponse stats;
    const grpc::Status status = stub.GetStats(&context, v1::GetStatsRequest(), &stats);
    // A busy server may refuse a poll; the training goes on, so ask again at the next one.
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) continue;
    if (!status.ok()) return report_rpc_error(status);
    learned = stats.learned();
  }
}

int train(const std::string& server, bool wait) {
  auto channel = open_channel(server);
  v1::FeedRank::Stub stub(channel);
  grpc::ClientContext context;
  set_deadline(context, kUnaryDeadline);
  v1::TrainRequest request;  // the wait happens here, so that progress can be shown
  v1::TrainResponse response;
  const grpc::Status status = stub.Train(&context, request, &response);
  if (!status.ok()) return report_rpc_error(status);
  const v1::LearnedSpaceStatus& learned = response.learned();
  if (wait) return wait_for_model(stub, learned);
  std::cout << "training started";
  if (learned.has_model()) {
    std::cout << "; model v" << learned.model().version() << " serves until it ends";
  }
  std::cout << " (feedrank stats shows its progress)\n";
  return 0;
}

}  // namespace

Subcommand add_train_command(CLI::App& root, const GlobalOptions& global) {
  auto wait = std::make_shared<bool>(false);
  CLI::App* app = root.add_subcommand(
      "train",
      "Retrain the server's learned model on what the store holds now (--vector-space learned "
      "or hybrid); the model serving now serves until the new one is ready");
  app->add_flag("--wait", *wait,
                "Wait for the new model, printing the training's progress to stderr, then its "
                "summary");
  return {app, [&global, wait] { return train(global.server, *wait); }};
}

}  // namespace feedrank::cli
