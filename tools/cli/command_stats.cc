// feedrank stats: what the store holds.
#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "feedrank/v1/feedrank.grpc.pb.h"
#include "fmt/format.h"
#include "tools/cli/commands.h"
#include "tools/cli/grpc_client.h"
#include "tools/cli/learned_printer.h"
#include "tools/cli/reembed_printer.h"

namespace feedrank::cli {
namespace {

// One line per part in MB with its share of the resident memory, then what no part accounts for.
void print_memory(const v1::GetStatsResponse& response) {
  const auto mb = [](std::uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); };
  const double resident = static_cast<double>(response.resident_bytes());
  std::uint64_t counted = 0;
  std::cout << "memory (MB, share of resident):\n";
  for (const v1::MemoryPart& part : response.memory()) {
    counted += part.bytes();
    std::cout << fmt::format(
        "  {:<34} {:>9.1f} {:>5.1f}%\n", part.part(), mb(part.bytes()),
        resident > 0 ? 100.0 * static_cast<double>(part.bytes()) / resident : 0.0);
  }
  const std::uint64_t other =
      response.resident_bytes() > counted ? response.resident_bytes() - counted : 0;
  std::cout << fmt::format("  {:<34} {:>9.1f}\n", "other (allocator, libraries, code)", mb(other))
            << fmt::format("  {:<34} {:>9.1f}\n", "resident", mb(response.resident_bytes()));
}

// " (N indexed in the background at R rows/s[, S s left to bulk loads])" once the background
// indexer has worked.
std::string indexer_rate(const v1::GetStatsResponse& response) {
  if (response.background_indexed_rows() == 0) return "";
  const double yielded = response.background_indexing_yielded_seconds();
  return fmt::format(" ({} indexed in the background at {:.0f} rows/s{})",
                     response.background_indexed_rows(),
                     response.background_indexed_rows() /
                         std::max(response.background_indexing_seconds(), 1e-6),
                     yielded > 0 ? fmt::format(", {:.1f} s left to bulk loads", yielded) : "");
}

// "through record T of L (R to replay at a start); S saved, F failed since start[ (last: E)]".
std::string checkpoint_summary(const v1::CheckpointStatus& status) {
  const std::uint64_t after = status.last_record() - std::min(status.through_record(),
                                                              status.last_record());
  return fmt::format("through record {} of {} ({} to replay at a start); {} saved, {} failed "
                     "since start{}",
                     status.through_record(), status.last_record(), after, status.saved(),
                     status.failed(),
                     status.last_error().empty() ? "" : " (last: " + status.last_error() + ")");
}

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
                                  {"index_lag", response.index_lag()},
                                  {"background_indexed_rows", response.background_indexed_rows()},
                                  {"background_indexing_seconds",
                                   response.background_indexing_seconds()},
                                  {"background_indexing_yielded_seconds",
                                   response.background_indexing_yielded_seconds()},
                                  {"impressions", response.impressions()},
                                  {"experiments", response.experiments()},
                                  {"vector_space", response.vector_space()}};
    const v1::CheckpointStatus& checkpoints = response.checkpoints();
    out["checkpoints"] = {{"through_record", checkpoints.through_record()},
                          {"last_record", checkpoints.last_record()},
                          {"saved", checkpoints.saved()},
                          {"failed", checkpoints.failed()},
                          {"last_error", checkpoints.last_error()}};
    if (response.has_learned()) out["learned"] = learned_json(response.learned());
    if (response.has_reembed()) out["reembed"] = reembed_json(response.reembed());
    if (response.memory_size() > 0) {
      nlohmann::ordered_json parts = nlohmann::ordered_json::object();
      for (const v1::MemoryPart& part : response.memory()) parts[part.part()] = part.bytes();
      out["memory"] = parts;
      out["resident_bytes"] = response.resident_bytes();
    }
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
              << "index lag: " << response.index_lag() << " rows not indexed yet"
              << indexer_rate(response) << "\n"
              << "impressions logged: " << response.impressions() << "\n"
              << "experiments:";
    for (const std::string& id : response.experiments()) std::cout << " " << id;
    std::cout << (response.experiments().empty() ? " none\n" : "\n");
    std::cout << "vector space: " << response.vector_space() << "\n"
              << "user-vector checkpoints: " << checkpoint_summary(response.checkpoints())
              << "\n";
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
    if (response.has_reembed()) {
      std::cout << "re-embedding: " << reembed_summary(response.reembed()) << "\n";
    }
    if (response.memory_size() > 0) print_memory(response);
  }
}

}  // namespace

Subcommand add_stats_command(CLI::App& root, const GlobalOptions& global) {
  auto json = std::make_shared<bool>(false);
  CLI::App* app = root.add_subcommand(
      "stats",
      "Print how many users, posts, follows, engagements and vectors, the retrieval backend, the "
      "vector space and its learned model");
  auto memory = std::make_shared<bool>(false);
  app->add_flag("--json", *json, "Print one JSON object");
  app->add_flag("--memory", *memory,
                "Also print the memory each part of the server holds (walks the per-user and "
                "per-post maps: writes wait about 10 ms at a million posts)");
  return {app, [&global, json, memory] {
            v1::GetStatsRequest request;
            request.set_memory(*memory);
            return call_and_print(global.server, &v1::FeedRank::Stub::GetStats, request,
                                  [&](const v1::GetStatsResponse& r) { print_stats(r, *json); });
          }};
}

}  // namespace feedrank::cli
