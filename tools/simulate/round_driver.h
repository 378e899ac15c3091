// One round of the experiment, over gRPC: the authors' new posts (Ingest), then every viewer's
// first feed page (GetFeed, from several threads at once), the likes each viewer gives it
// (engagement_model.h) and a few organic likes, sent (RecordEngagements) once every page of the
// round has been served. Pages are read at the round's end (as_of_ms) and the likes come minutes
// later, so what a page shows never depends on how the threads interleaved: same seed, same round.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "feedrank/v1/feedrank.grpc.pb.h"
#include "tools/simulate/engagement_model.h"
#include "tools/simulate/world.h"

namespace feedrank::simulate {

struct RoundOptions {
  std::uint32_t page_size = 20;   // GetFeed's limit
  std::uint32_t concurrency = 8;  // GetFeed calls in flight
  EngagementModel engagement;
};

struct RoundStats {
  std::uint64_t round = 0;   // from 0
  std::int64_t from_ms = 0;  // new posts are dated in [from_ms, served_at_ms)
  std::int64_t served_at_ms = 0;
  std::uint64_t posts = 0;
  std::uint64_t pages = 0;
  std::uint64_t items = 0;
  std::uint64_t feed_likes = 0;
  std::uint64_t organic_likes = 0;
  // Viewers per arm the server served, keyed "experiment/arm" ("" for viewers in no experiment).
  std::map<std::string, std::uint64_t> viewers_by_arm;
  double seconds = 0;
};

class RoundDriver {
 public:
  // `world` gains each round's posts; `liked` is every viewer's likes so far.
  RoundDriver(std::string target, std::shared_ptr<grpc::Channel> channel, World& world,
              LikedPosts& liked, RoundOptions options);

  // Runs round `round` over simulated [from_ms, to_ms): posts, pages read at to_ms, likes. Stops
  // at the first failed call, naming it.
  absl::StatusOr<RoundStats> run(std::uint64_t round, std::int64_t from_ms, std::int64_t to_ms);

  // Every experiment a response named so far.
  const std::set<std::string>& experiments() const { return experiments_; }

 private:
  struct ViewerRound;
  absl::StatusOr<ViewerRound> serve_viewer(std::uint64_t round, std::int64_t as_of_ms,
                                           std::size_t viewer);
  absl::Status serve_all(std::uint64_t round, std::int64_t as_of_ms,
                         std::vector<ViewerRound>& outcomes);

  std::string target_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::FeedRank::Stub> stub_;  // thread-safe: shared by the callers
  World& world_;
  LikedPosts& liked_;
  RoundOptions options_;
  std::set<std::string> experiments_;
};

}  // namespace feedrank::simulate
