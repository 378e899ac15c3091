// feedrank stats: what the store holds.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "feedrank/v1/feedrank.grpc.pb.h"
#include "tools/cli/commands.h"
#include "tools/cli/grpc_client.h"
#include "tools/cli/learned_printer.h"

namespace feedrank::cli {
namespace {

void print_stats(const v1::GetStatsResponse& response, bool json) {
  if (json) {
    nlohmann::ordered_json out = {{"users", response.users()},
                                  {"posts", response.posts()},
                                  {"follows", response.follows()},
                                  {"engagements", response.engagements()},
                                  {"embedded_posts", response.embedded_posts()},
                                  {"users_with_vectors", response.users_with_vectors()},
                                  {"embedding_dimension", response.embedding_dimension()},
                                  {"retrieval_backend", response.retrieval_backend()},
                                  {"impressions", response.impressions()},
                                  {"experiments", response.experiments()},
                                  {"vector_space", response.vector_space()}};
    if (response.has_learned()) out["learned"] = learned_json(response.learned());
    std::cout << out.dump() << "\n";
  } else {
    std::cout << "users: " << response.users() << "\n"
              << "posts: " << response.posts() << "\n"
              << "follows: " << response.follows() << "\n"
              << "engagements: " << response.engagements() << "\n"
              << "embedded posts: " << response.embedded_posts() << "\n"
              << "users with vectors: " << response.users_with_vectors() << "\n"
              << "embedding dimension: " << response.embedding_dimension() << "\n"
              << "retrieval backend: " << response.retrieval_backend() << "\n"
              << "impressions logged: " << response.impressions() << "\n"
              << "experiments:";
    for (const std::string& id : response.experiments()) std::cout << " " << id;
    std::cout << (response.experiments().empty() ? " none\n" : "\n");
    std::cout << "vector space: " << response.vector_space() << "\n";
    if (response.has_learned()) {
      const v1::LearnedSpaceStatus& learned = response.learned();
      if (learned.has_model()) {
        std::cout << "learned model: " << model_summary(learned.model()) << "\n"
                  << "learned index: " << learned.index() << ", " << learned.index_lag()
                  << " rows not indexed yet\n";
      } else {
        std::cout << "learned model: none yet\n";
      }
      std::cout << "training: " << training_summary(learned.training()) << "; on "
                << learned.training_backend() << "\n";
    }
  }
}

}  // namespace

Subcommand add_stats_command(CLI::App& root, const GlobalOptions& global) {
  auto json = std::make_shared<bool>(false);
  CLI::App* app = root.add_subcommand(
      "stats",
      "Print how many users, posts, follows, engagements and vectors, the retrieval backend, the "
      "vector space and its learned model");
  app->add_flag("--json", *json, "Print one JSON object");
  return {app, [&global, json] {
            return call_and_print(global.server, &v1::FeedRank::Stub::GetStats,
                                  v1::GetStatsRequest(),
                                  [&](const v1::GetStatsResponse& r) { print_stats(r, *json); });
          }};
}

}  // namespace feedrank::cli
