// A FeedRank client for tests: one call per RPC with a deadline (a hung server fails the test
// instead of hanging it), and whole-feed walks.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "feedrank/v1/feedrank.grpc.pb.h"

namespace feedrank::api_test {

namespace v1 = ::feedrank::v1;

template <class Response>
struct Reply {
  grpc::Status status;
  Response response;
};

class TestClient {
 public:
  explicit TestClient(const std::string& address);
  // Whether the channel connects within `timeout` (gRPC retries a failed attempt after a
  // backoff; a call that came first would fail with that attempt instead).
  bool wait_connected(std::chrono::milliseconds timeout);

  Reply<v1::UpsertUsersResponse> call(const v1::UpsertUsersRequest& request);
  Reply<v1::CreatePostsResponse> call(const v1::CreatePostsRequest& request);
  Reply<v1::DeletePostsResponse> call(const v1::DeletePostsRequest& request);
  Reply<v1::FollowResponse> call(const v1::FollowRequest& request);
  Reply<v1::UnfollowResponse> call(const v1::UnfollowRequest& request);
  Reply<v1::RecordEngagementsResponse> call(const v1::RecordEngagementsRequest& request);
  Reply<v1::GetFeedResponse> call(const v1::GetFeedRequest& request);
  Reply<v1::GetStatsResponse> call(const v1::GetStatsRequest& request);
  Reply<v1::GetNearestPostsResponse> call(const v1::GetNearestPostsRequest& request);
  Reply<v1::GetUserResponse> call(const v1::GetUserRequest& request);
  Reply<v1::GetPostResponse> call(const v1::GetPostRequest& request);
  Reply<v1::ReloadExperimentsResponse> call(const v1::ReloadExperimentsRequest& request);
  Reply<v1::GetExperimentReportResponse> call(const v1::GetExperimentReportRequest& request);
  Reply<v1::TrainResponse> call(const v1::TrainRequest& request);
  Reply<v1::ReembedResponse> call(const v1::ReembedRequest& request);
  // One client stream, one chunk per message.
  Reply<v1::IngestResponse> ingest(const std::vector<v1::IngestRequest>& chunks);

  Reply<v1::UpsertUsersResponse> upsert_users(const std::vector<v1::User>& users);
  Reply<v1::CreatePostsResponse> create_posts(const std::vector<v1::Post>& posts);
  Reply<v1::DeletePostsResponse> delete_posts(const std::vector<std::uint64_t>& post_ids);
  Reply<v1::FollowResponse> follow(const std::vector<v1::FollowEdge>& edges);
  Reply<v1::UnfollowResponse> unfollow(const std::vector<v1::FollowEdge>& edges);
  Reply<v1::RecordEngagementsResponse> record_engagements(
      const std::vector<v1::Engagement>& engagements);
  // Chronological mode; limit 0 asks for the default page size.
  Reply<v1::GetFeedResponse> get_feed(std::uint64_t viewer, int limit = 0,
                                      const std::string& cursor = "");

  // The calls below record a test failure (and return what they have) on an RPC error.
  v1::GetStatsResponse stats();
  // Train with wait set (true) or not.
  Reply<v1::TrainResponse> train(bool wait);
  // Follows next_cursor until it is empty and returns every item in order.
  std::vector<v1::FeedItem> whole_feed(std::uint64_t viewer, int limit = 0);

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::FeedRank::Stub> stub_;
};

}  // namespace feedrank::api_test
