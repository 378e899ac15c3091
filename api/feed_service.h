// The gRPC service: converts between proto and domain types and maps errors to status codes.
// No feed logic lives here.
#pragma once

#include "api/serving/call_gate.h"
#include "api/serving/worker_pool.h"
#include "api/write_conversion.h"
#include "feedrank/v1/feedrank.grpc.pb.h"
#include "ranker/experiments/experiment_feeds.h"
#include "ranker/feed_engine.h"

namespace feedrank::api {

class FeedService final : public v1::FeedRank::WithCallbackMethod_GetFeed<v1::FeedRank::Service> {
 public:
  // Feed pages go through `experiments` (assignment, impression log); the rest to the engine.
  // Every call passes through `gate` (request ids, in-flight limits, metrics, call logs).
  FeedService(ranker::FeedEngine& engine, ranker::ExperimentFeeds& experiments, WriteRules rules,
              serving::CallGate& gate);

  grpc::ServerUnaryReactor* GetFeed(grpc::CallbackServerContext* context,
                                    const v1::GetFeedRequest* request,
                                    v1::GetFeedResponse* response) override;
  grpc::Status GetNearestPosts(grpc::ServerContext*, const v1::GetNearestPostsRequest* request,
                               v1::GetNearestPostsResponse* response) override;
  grpc::Status GetUser(grpc::ServerContext*, const v1::GetUserRequest* request,
                       v1::GetUserResponse* response) override;
  grpc::Status GetPost(grpc::ServerContext*, const v1::GetPostRequest* request,
                       v1::GetPostResponse* response) override;
  grpc::Status UpsertUsers(grpc::ServerContext*, const v1::UpsertUsersRequest* request,
                           v1::UpsertUsersResponse* response) override;
  grpc::Status CreatePosts(grpc::ServerContext*, const v1::CreatePostsRequest* request,
                           v1::CreatePostsResponse* response) override;
  grpc::Status DeletePosts(grpc::ServerContext*, const v1::DeletePostsRequest* request,
                           v1::DeletePostsResponse* response) override;
  grpc::Status Follow(grpc::ServerContext*, const v1::FollowRequest* request,
                      v1::FollowResponse* response) override;
  grpc::Status Unfollow(grpc::ServerContext*, const v1::UnfollowRequest* request,
                        v1::UnfollowResponse* response) override;
  grpc::Status RecordEngagements(grpc::ServerContext*, const v1::RecordEngagementsRequest* request,
                                 v1::RecordEngagementsResponse* response) override;
  grpc::Status Ingest(grpc::ServerContext*, grpc::ServerReader<v1::IngestRequest>* reader,
                      v1::IngestResponse* response) override;
  grpc::Status GetStats(grpc::ServerContext*, const v1::GetStatsRequest* request,
                        v1::GetStatsResponse* response) override;
  grpc::Status Train(grpc::ServerContext* context, const v1::TrainRequest* request,
                     v1::TrainResponse* response) override;
  grpc::Status Reembed(grpc::ServerContext* context, const v1::ReembedRequest* request,
                       v1::ReembedResponse* response) override;
  grpc::Status ReloadExperiments(grpc::ServerContext*, const v1::ReloadExperimentsRequest* request,
                                 v1::ReloadExperimentsResponse* response) override;
  grpc::Status GetExperimentReport(grpc::ServerContext*,
                                   const v1::GetExperimentReportRequest* request,
                                   v1::GetExperimentReportResponse* response) override;

 private:
  template <class Request>
  absl::StatusOr<store::WriteSummary> write(const Request& request, std::string_view list_field);
  // rules_ with the engagement-time bound of this moment.
  WriteRules rules_now() const;

  // GetFeed's work, wherever it runs (see GetFeed).
  grpc::Status serve_feed(grpc::ServerContextBase* context, const v1::GetFeedRequest& request,
                          v1::GetFeedResponse& response, serving::ServedCall& call);

  // Ranked GetFeed calls run here, as many at once as GetFeed's in-flight limit admits (at most
  // kMaxRankingWorkers), so that the ranking bound (--max-rankings-in-flight) refuses first pages
  // at once, as with gRPC's own threads, instead of letting them queue: with 64 workers at the
  // default limit of 256, 700 algorithmic calls/s offered on two cores waited 1.8 s (p50) where
  // they had waited 0.1 s. Past that, as many waiting as gRPC's thread quota allowed threads (a
  // waiting call holds its in-flight slot).
  static constexpr int kMaxRankingWorkers = 1024;
  static constexpr std::size_t kMaxQueuedRankings = 1024;

  ranker::FeedEngine& engine_;
  ranker::ExperimentFeeds& experiments_;
  const WriteRules rules_;
  serving::CallGate& gate_;
  serving::WorkerPool ranking_workers_;  // joined first
};

}  // namespace feedrank::api
