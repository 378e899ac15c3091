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

// GetFeed and GetNearestPosts are gRPC callback methods (see serve_callback) that read and write
// their messages' bytes themselves (serving/raw_message.h); the rest run on gRPC's synchronous
// threads.
using CallbackMethods = v1::FeedRank::WithRawCallbackMethod_GetFeed<
    v1::FeedRank::WithRawCallbackMethod_GetNearestPosts<v1::FeedRank::Service>>;

class FeedService final : public CallbackMethods {
 public:
  // Feed pages go through `experiments` (assignment, impression log); the rest to the engine.
  // Every call passes through `gate` (request ids, in-flight limits, metrics, call logs).
  FeedService(ranker::FeedEngine& engine, ranker::ExperimentFeeds& experiments, WriteRules rules,
              serving::CallGate& gate);

  grpc::ServerUnaryReactor* GetFeed(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetNearestPosts(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request,
                                            grpc::ByteBuffer* response) override;
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
  // rules_ with the time bound of this moment.
  WriteRules rules_now() const;
  // The Ingest RPC. Its chunks are read as bytes and parsed here (see the constructor).
  grpc::Status ingest(grpc::ServerContext* context,
                      grpc::ServerReaderWriter<v1::IngestResponse, grpc::ByteBuffer>* stream);

  // GetFeed's work, wherever it runs (see GetFeed).
  grpc::Status serve_feed(grpc::ServerContextBase* context, const v1::GetFeedRequest& request,
                          v1::GetFeedResponse& response, serving::ServedCall& call);
  grpc::Status serve_nearest(grpc::ServerContextBase* context,
                             const v1::GetNearestPostsRequest& request,
                             v1::GetNearestPostsResponse& response);

  // A callback call: admitted by the gate where it arrives (its in-flight slot counts while it
  // waits), then body(ServedCall&) -> grpc::Status runs on workers_ when `on_workers`, else at
  // once on gRPC's thread. A refusal is answered at once; so is a call the full queue refuses.
  // `mode`: the metrics' label until the body sets the mode served (GetFeed's requested mode).
  template <class Body>
  grpc::ServerUnaryReactor* serve_callback(grpc::CallbackServerContext* context,
                                           std::string_view method, bool on_workers,
                                           metrics::FeedModeLabel mode, Body body);
  // A callback call whose request bytes did not parse as a `Request`: INVALID_ARGUMENT, counted
  // in the metrics as every call.
  template <class Request>
  grpc::ServerUnaryReactor* refuse_unparsed(grpc::CallbackServerContext* context,
                                            std::string_view method);

  // Calls that take milliseconds run here: ranked GetFeed pages, pages that wait for a disk sync
  // of their impressions, and GetNearestPosts but for quick graph walks. As many at once as the
  // two methods' in-flight limits admit (at most kMaxWorkers), so that the limits and the ranking
  // bound (--max-rankings-in-flight) refuse at once, as with gRPC's own threads, instead of
  // letting calls queue: with 64 workers at the default limit of 256, 700 algorithmic calls/s
  // offered on two cores waited 1.8 s (p50) where they had waited 0.1 s. Many at once, so that
  // concurrent searches share one scan of the index (SearchBatcher).
  static constexpr int kMaxWorkers = 1024;
  static constexpr std::size_t kMaxQueuedCalls = 1024;

  ranker::FeedEngine& engine_;
  ranker::ExperimentFeeds& experiments_;
  const WriteRules rules_;
  serving::CallGate& gate_;
  serving::WorkerPool workers_;  // joined first
};

}  // namespace feedrank::api
