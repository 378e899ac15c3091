// feedrank feed: one page of a viewer's feed.
#include <iostream>
#include <map>
#include <memory>

#include "feedrank/v1/feedrank.grpc.pb.h"
#include "tools/cli/commands.h"
#include "tools/cli/feed_printer.h"
#include "tools/cli/grpc_client.h"

namespace feedrank::cli {
namespace {

struct FeedOptions {
  std::uint64_t user = 0;
  std::string mode = "chronological";
  std::int32_t limit = 0;
  std::string cursor;
  std::int64_t as_of_ms = 0;
  bool explain = false;
  std::vector<std::uint64_t> muted;
  bool json = false;
  std::string force_arm;  // EXPERIMENT:ARM, or empty
};

const std::map<std::string, v1::FeedMode> kModes = {
    {"chronological", v1::FEED_MODE_CHRONOLOGICAL},
    {"algorithmic", v1::FEED_MODE_ALGORITHMIC},
    {"interleaved", v1::FEED_MODE_INTERLEAVED},
};

// --force-arm's EXPERIMENT:ARM, split at the first ':' (arm names may hold more).
void set_forced_arm(const std::string& experiment_and_arm, v1::GetFeedRequest& request) {
  if (experiment_and_arm.empty()) return;
  const std::size_t colon = experiment_and_arm.find(':');
  request.set_force_experiment(experiment_and_arm.substr(0, colon));
  request.set_force_arm(experiment_and_arm.substr(colon + 1));
}

std::string check_forced_arm(const std::string& experiment_and_arm) {
  if (experiment_and_arm.find(':') != std::string::npos) return "";
  return "expected EXPERIMENT:ARM, got \"" + experiment_and_arm + "\"";
}

int run_feed(const std::string& server, const FeedOptions& options) {
  v1::GetFeedRequest request;
  request.set_user_id(options.user);
  request.set_mode(kModes.at(options.mode));
  request.set_limit(options.limit);
  request.set_cursor(options.cursor);
  request.set_as_of_ms(options.as_of_ms);
  request.set_explain(options.explain);
  for (std::uint64_t author : options.muted) request.add_muted_author_ids(author);
  set_forced_arm(options.force_arm, request);

  return call_and_print(server, &v1::FeedRank::Stub::GetFeed, request,
                        [&](const v1::GetFeedResponse& response) {
                          if (options.json) {
                            print_feed_json(response, std::cout);
                          } else {
                            print_feed_table(response, std::cout);
                          }
                        });
}

}  // namespace

Subcommand add_feed_command(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<FeedOptions>();
  CLI::App* app = root.add_subcommand("feed", "Print one page of a user's feed");
  app->add_option("--user", options->user, "Viewer's user id")->required();
  app->add_option("--mode", options->mode,
                  "chronological, algorithmic or interleaved (team-draft of the two)")
      ->check(CLI::IsMember(kModes))
      ->capture_default_str();
  app->add_option("--limit", options->limit, "Items per page, 1..500 (0: the server's default)")
      ->capture_default_str();
  app->add_option("--cursor", options->cursor, "next_cursor of the previous page");
  app->add_option("--as-of-ms", options->as_of_ms,
                  "Rank as if now were this time (ms since the epoch; for replays of old data)");
  app->add_flag("--explain", options->explain,
                "Algorithmic: print each item's score terms and the candidate counts");
  app->add_option("--mute", options->muted, "Algorithmic: authors never to show (repeatable)");
  app->add_option("--force-arm", options->force_arm,
                  "Serve this experiment arm whatever the assignment says (split at the first "
                  "':')")
      ->type_name("EXPERIMENT:ARM")
      ->check(CLI::Validator(check_forced_arm, ""));
  app->add_flag("--json", options->json, "Print one JSON object");
  return {app, [&global, options] { return run_feed(global.server, *options); }};
}

}  // namespace feedrank::cli
