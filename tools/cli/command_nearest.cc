// feedrank nearest: the posts nearest a user's or a post's vector, from the server's retrieval
// backend; only posts the viewer may see (a post query's viewer is --viewer, else public only).
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "feedrank/v1/feedrank.grpc.pb.h"
#include "tools/cli/commands.h"
#include "tools/cli/grpc_client.h"

namespace feedrank::cli {
namespace {

struct NearestOptions {
  std::uint64_t user = 0;
  std::uint64_t post = 0;
  std::uint64_t viewer = 0;
  std::int32_t k = 10;
  bool json = false;
};

void print_json(const v1::GetNearestPostsResponse& response) {
  nlohmann::ordered_json posts = nlohmann::ordered_json::array();
  for (const auto& post : response.posts()) {
    posts.push_back(
        {{"post_id", post.post_id()}, {"author_id", post.author_id()}, {"score", post.score()}});
  }
  const nlohmann::ordered_json out = {{"backend", response.backend()}, {"posts", posts}};
  std::cout << out.dump() << "\n";
}

void print_table(const v1::GetNearestPostsResponse& response) {
  std::cout << "backend: " << response.backend() << "\n";
  std::printf("%5s  %20s  %20s  %9s\n", "rank", "post", "author", "score");
  int rank = 0;
  for (const auto& post : response.posts()) {
    std::printf("%5d  %20llu  %20llu  %9.5f\n", ++rank,
                static_cast<unsigned long long>(post.post_id()),
                static_cast<unsigned long long>(post.author_id()), post.score());
  }
}

int run_nearest(const std::string& server, const NearestOptions& options) {
  v1::GetNearestPostsRequest request;
  request.set_user_id(options.user);
  request.set_post_id(options.post);
  request.set_viewer_id(options.viewer);
  request.set_k(options.k);

  return call_and_print(server, &v1::FeedRank::Stub::GetNearestPosts, request,
                        [&](const v1::GetNearestPostsResponse& response) {
                          if (options.json) {
                            print_json(response);
                          } else {
                            print_table(response);
                          }
                        });
}

}  // namespace

Subcommand add_nearest_command(CLI::App& root, const GlobalOptions& global) {
  auto options = std::make_shared<NearestOptions>();
  CLI::App* app = root.add_subcommand(
      "nearest", "Print the posts nearest a user's vector (their own left out) or a post's");
  auto* user = app->add_option("--user", options->user, "user id");
  app->add_option("--post", options->post, "post id")->excludes(user);
  app->add_option("--viewer", options->viewer,
                  "with --post: answer what this user may see (default: public posts only)");
  app->add_option("-k,--k", options->k, "how many posts, 1..1024")->capture_default_str();
  app->add_flag("--json", options->json, "Print one JSON object");
  return {app, [&global, options] { return run_nearest(global.server, *options); }};
}

}  // namespace feedrank::cli
