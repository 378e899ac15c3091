#include "tests/api/test_client.h"

#include <gtest/gtest.h>

#include <chrono>

namespace feedrank::api_test {
namespace {

// Generous for a loaded 2-core machine; only reached when something is wrong.
constexpr auto kCallDeadline = std::chrono::seconds(20);
// A walk longer than this is a cursor that never ends.
constexpr int kMaxPages = 100'000;

std::unique_ptr<grpc::ClientContext> context() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  return ctx;
}

// Calls a unary method of the stub with a fresh deadline.
template <class Response, class Request, class Method>
Reply<Response> unary(v1::FeedRank::Stub& stub, Method method, const Request& request) {
  Reply<Response> reply;
  auto ctx = context();
  reply.status = (stub.*method)(ctx.get(), request, &reply.response);
  return reply;
}

}  // namespace

TestClient::TestClient(const std::string& address)
    : channel_(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
      stub_(v1::FeedRank::NewStub(channel_)) {}

bool TestClient::wait_connected(std::chrono::milliseconds timeout) {
  return channel_->WaitForConnected(std::chrono::system_clock::now() + timeout);
}

Reply<v1::UpsertUsersResponse> TestClient::call(const v1::UpsertUsersRequest& request) {
  return unary<v1::UpsertUsersResponse>(*stub_, &v1::FeedRank::Stub::UpsertUsers, request);
}
Reply<v1::CreatePostsResponse> TestClient::call(const v1::CreatePostsRequest& request) {
  return unary<v1::CreatePostsResponse>(*stub_, &v1::FeedRank::Stub::CreatePosts, request);
}
Reply<v1::DeletePostsResponse> TestClient::call(const v1::DeletePostsRequest& request) {
  return unary<v1::DeletePostsResponse>(*stub_, &v1::FeedRank::Stub::DeletePosts, request);
}
Reply<v1::FollowResponse> TestClient::call(const v1::FollowRequest& request) {
  return unary<v1::FollowResponse>(*stub_, &v1::FeedRank::Stub::Follow, request);
}
Reply<v1::UnfollowResponse> TestClient::call(const v1::UnfollowRequest& request) {
  return unary<v1::UnfollowResponse>(*stub_, &v1::FeedRank::Stub::Unfollow, request);
}
Reply<v1::RecordEngagementsResponse> TestClient::call(const v1::RecordEngagementsRequest& request) {
  return unary<v1::RecordEngagementsResponse>(*stub_, &v1::FeedRank::Stub::RecordEngagements,
                                              request);
}
Reply<v1::GetFeedResponse> TestClient::call(const v1::GetFeedRequest& request) {
  return unary<v1::GetFeedResponse>(*stub_, &v1::FeedRank::Stub::GetFeed, request);
}
Reply<v1::GetStatsResponse> TestClient::call(const v1::GetStatsRequest& request) {
  return unary<v1::GetStatsResponse>(*stub_, &v1::FeedRank::Stub::GetStats, request);
}
Reply<v1::GetNearestPostsResponse> TestClient::call(const v1::GetNearestPostsRequest& request) {
  return unary<v1::GetNearestPostsResponse>(*stub_, &v1::FeedRank::Stub::GetNearestPosts,
                                            request);
}
Reply<v1::GetUserResponse> TestClient::call(const v1::GetUserRequest& request) {
  return unary<v1::GetUserResponse>(*stub_, &v1::FeedRank::Stub::GetUser, request);
}
Reply<v1::GetPostResponse> TestClient::call(const v1::GetPostRequest& request) {
  return unary<v1::GetPostResponse>(*stub_, &v1::FeedRank::Stub::GetPost, request);
}
Reply<v1::ReloadExperimentsResponse> TestClient::call(const v1::ReloadExperimentsRequest& request) {
  return unary<v1::ReloadExperimentsResponse>(*stub_, &v1::FeedRank::Stub::ReloadExperiments,
                                              request);
}
Reply<v1::GetExperimentReportResponse> TestClient::call(
    const v1::GetExperimentReportRequest& request) {
  return unary<v1::GetExperimentReportResponse>(*stub_, &v1::FeedRank::Stub::GetExperimentReport,
                                                request);
}

Reply<v1::TrainResponse> TestClient::call(const v1::TrainRequest& request) {
  return unary<v1::TrainResponse>(*stub_, &v1::FeedRank::Stub::Train, request);
}

Reply<v1::ReembedResponse> TestClient::call(const v1::ReembedRequest& request) {
  return unary<v1::ReembedResponse>(*stub_, &v1::FeedRank::Stub::Reembed, request);
}

Reply<v1::IngestResponse> TestClient::ingest(const std::vector<v1::IngestRequest>& chunks) {
  Reply<v1::IngestResponse> reply;
  auto ctx = context();
  auto writer = stub_->Ingest(ctx.get(), &reply.response);
  for (const auto& chunk : chunks) {
    if (!writer->Write(chunk)) break;  // the server ended the call; Finish says why
  }
  writer->WritesDone();
  reply.status = writer->Finish();
  return reply;
}

Reply<v1::UpsertUsersResponse> TestClient::upsert_users(const std::vector<v1::User>& users) {
  v1::UpsertUsersRequest request;
  request.mutable_users()->Add(users.begin(), users.end());
  return call(request);
}

Reply<v1::CreatePostsResponse> TestClient::create_posts(const std::vector<v1::Post>& posts) {
  v1::CreatePostsRequest request;
  request.mutable_posts()->Add(posts.begin(), posts.end());
  return call(request);
}

Reply<v1::DeletePostsResponse> TestClient::delete_posts(
    const std::vector<std::uint64_t>& post_ids) {
  v1::DeletePostsRequest request;
  request.mutable_post_ids()->Add(post_ids.begin(), post_ids.end());
  return call(request);
}

Reply<v1::FollowResponse> TestClient::follow(const std::vector<v1::FollowEdge>& edges) {
  v1::FollowRequest request;
  request.mutable_edges()->Add(edges.begin(), edges.end());
  return call(request);
}

Reply<v1::UnfollowResponse> TestClient::unfollow(const std::vector<v1::FollowEdge>& edges) {
  v1::UnfollowRequest request;
  request.mutable_edges()->Add(edges.begin(), edges.end());
  return call(request);
}

Reply<v1::RecordEngagementsResponse> TestClient::record_engagements(
    const std::vector<v1::Engagement>& engagements) {
  v1::RecordEngagementsRequest request;
  request.mutable_engagements()->Add(engagements.begin(), engagements.end());
  return call(request);
}

Reply<v1::GetFeedResponse> TestClient::get_feed(std::uint64_t viewer, int limit,
                                                const std::string& cursor) {
  v1::GetFeedRequest request;
  request.set_user_id(viewer);
  request.set_mode(v1::FEED_MODE_CHRONOLOGICAL);
  request.set_limit(limit);
  request.set_cursor(cursor);
  return call(request);
}

v1::GetStatsResponse TestClient::stats() {
  auto reply = call(v1::GetStatsRequest());
  EXPECT_TRUE(reply.status.ok()) << "GetStats: " << reply.status.error_message();
  return reply.response;
}

Reply<v1::TrainResponse> TestClient::train(bool wait) {
  v1::TrainRequest request;
  request.set_wait(wait);
  return call(request);
}

std::vector<v1::FeedItem> TestClient::whole_feed(std::uint64_t viewer, int limit) {
  std::vector<v1::FeedItem> items;
  std::string cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    auto reply = get_feed(viewer, limit, cursor);
    if (!reply.status.ok()) {
      ADD_FAILURE() << "GetFeed page " << page << ": " << reply.status.error_message();
      return items;
    }
    items.insert(items.end(), reply.response.items().begin(), reply.response.items().end());
    if (reply.response.next_cursor().empty()) return items;
    cursor = reply.response.next_cursor();
  }
  ADD_FAILURE() << "feed of user " << viewer << " never ended";
  return items;
}

}  // namespace feedrank::api_test
