// GetNearestPosts over a real channel: posts with caller-supplied vectors come back nearest
// first from the backend GetStats names, and every bad request is refused naming its field.
#include <gmock/gmock.h>

#include <atomic>
#include <cmath>
#include <thread>
#include <vector>

#include "common/half_float.h"
#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int kDimension = 128;  // the test server's default

// A unit vector along axis `axis`, tilted a little toward axis `axis + 1`.
std::vector<float> tilted(int axis, float tilt) {
  std::vector<float> v(kDimension, 0.0f);
  v[axis] = 1.0f;
  v[axis + 1] = tilt;
  return v;
}

v1::Post post_along(std::uint64_t id, std::uint64_t author, const std::vector<float>& vector) {
  v1::Post out = post(id, author, 1000 + static_cast<std::int64_t>(id));
  out.mutable_embedding()->Assign(vector.begin(), vector.end());
  return out;
}

v1::GetNearestPostsRequest to_vector(const std::vector<float>& vector, int k) {
  v1::GetNearestPostsRequest request;
  request.mutable_embedding()->Assign(vector.begin(), vector.end());
  request.set_k(k);
  return request;
}

std::vector<std::uint64_t> ids(const v1::GetNearestPostsResponse& response) {
  std::vector<std::uint64_t> out;
  for (const auto& p : response.posts()) out.push_back(p.post_id());
  return out;
}

class NearestPostsApi : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ASSERT_THAT(client().upsert_users({user(1), user(2)}).status, IsOk());
    // Along axis 0, less and less so: 10 is nearest axis 0, then 11, then 12; 20 is elsewhere.
    ASSERT_THAT(client()
                    .create_posts({post_along(10, 1, tilted(0, 0.1f)),
                                   post_along(11, 2, tilted(0, 0.5f)),
                                   post_along(12, 1, tilted(0, 1.0f)),
                                   post_along(20, 2, tilted(5, 0.0f))})
                    .status,
                IsOk());
  }
};

TEST_F(NearestPostsApi, ReturnsTheNearestPostsBestFirstFromTheBackendInGetStats) {
  const auto reply = client().call(to_vector(tilted(0, 0.0f), 3));
  ASSERT_THAT(reply.status, IsOk());
  EXPECT_THAT(ids(reply.response), ElementsAre(10, 11, 12));
  EXPECT_EQ(reply.response.posts(0).author_id(), 1u);
  // The server keeps post vectors at half precision (--post-vectors), so the caller's are rounded.
  EXPECT_NEAR(reply.response.posts(0).score(),
              round_to_half(static_cast<float>(1.0 / std::sqrt(1.01))), 1e-5);
  EXPECT_FALSE(reply.response.backend().empty());
  EXPECT_EQ(reply.response.backend(), client().stats().retrieval_backend());
}

// With post vectors held as floats (--post-vectors float) a caller's vector is served exactly;
// the store kept it exactly all along, so a restart at half precision rounds it again.
class NearestPostsApiWithFloatVectors : public NearestPostsApi {
 protected:
  void configure(api::ServerOptions& options) override { options.post_vectors = precision_; }
  embeddings::RowPrecision precision_ = embeddings::RowPrecision::kFloat;
};

TEST_F(NearestPostsApiWithFloatVectors, ServesTheCallersVectorExactly) {
  const float exact = static_cast<float>(1.0 / std::sqrt(1.01));
  auto reply = client().call(to_vector(tilted(0, 0.0f), 1));
  ASSERT_THAT(reply.status, IsOk());
  ASSERT_EQ(reply.response.posts_size(), 1);
  EXPECT_NEAR(reply.response.posts(0).score(), exact, 1e-6);
  ASSERT_NE(round_to_half(exact), exact);

  precision_ = embeddings::RowPrecision::kHalf;
  restart_server();
  reply = client().call(to_vector(tilted(0, 0.0f), 1));
  ASSERT_THAT(reply.status, IsOk());
  ASSERT_EQ(reply.response.posts_size(), 1);
  EXPECT_NEAR(reply.response.posts(0).score(), round_to_half(exact), 1e-6);
}

// Over the exact scan, calls run on the service's workers and concurrent ones share a scan
// (SearchBatcher); over HNSW (four rows, none left to a long tail scan) each walks on gRPC's
// thread. Either way each caller gets the answer to its own query and k.
class NearestPostsApiOnEachIndex : public NearestPostsApi,
                                   public ::testing::WithParamInterface<ranker::CpuIndexKind> {
 protected:
  void configure(api::ServerOptions& options) override {
    options.retrieval.backend = kernels::BackendRequest::kCpu;
    options.retrieval.cpu_index = GetParam();
  }
};
INSTANTIATE_TEST_SUITE_P(Indexes, NearestPostsApiOnEachIndex,
                         ::testing::Values(ranker::CpuIndexKind::kExact,
                                           ranker::CpuIndexKind::kHnsw),
                         [](const auto& info) {
                           return info.param == ranker::CpuIndexKind::kExact ? "Exact" : "Hnsw";
                         });

TEST_P(NearestPostsApiOnEachIndex, ConcurrentCallersEachGetTheirOwnAnswer) {
  std::atomic<int> wrong{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 16; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const bool along_first = (t + i) % 2 == 0;
        const int k = 1 + (t + i) % 3;
        const auto reply = client().call(to_vector(tilted(along_first ? 0 : 5, 0.0f), k));
        const std::vector<std::uint64_t> expected =
            along_first ? std::vector<std::uint64_t>{10, 11, 12}
                        : std::vector<std::uint64_t>{20, 10, 11};
        const std::vector<std::uint64_t> got = ids(reply.response);
        // Axis 5's second and third are tied at 0: only the first is checked there.
        const bool right =
            reply.status.ok() && got.size() == static_cast<std::size_t>(k) &&
            (along_first ? got == std::vector<std::uint64_t>(expected.begin(),
                                                             expected.begin() + k)
                         : got.front() == 20);
        if (!right) {
          ++wrong;
          ADD_FAILURE() << "caller " << t << " call " << i << " (k " << k << "): "
                        << reply.status.error_message() << " " << ::testing::PrintToString(got);
        }
      }
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(NearestPostsApi, APostQueryLeavesItOutAndADeleteIsSeenAtOnce) {
  v1::GetNearestPostsRequest request;
  request.set_post_id(10);
  request.set_k(2);
  auto reply = client().call(request);
  ASSERT_THAT(reply.status, IsOk());
  EXPECT_THAT(ids(reply.response), ElementsAre(11, 12));

  ASSERT_THAT(client().delete_posts({11}).status, IsOk());
  reply = client().call(request);
  ASSERT_THAT(reply.status, IsOk());
  EXPECT_THAT(ids(reply.response), ElementsAre(12, 20));
}

TEST_F(NearestPostsApi, AUserQueryLeavesOutTheirOwnPosts) {
  ASSERT_THAT(client().record_engagements({engagement(2, 10)}).status, IsOk());
  v1::GetNearestPostsRequest request;
  request.set_user_id(2);  // likes 10; wrote 11 and 20
  request.set_k(10);
  const auto reply = client().call(request);
  ASSERT_THAT(reply.status, IsOk());
  EXPECT_THAT(ids(reply.response), ElementsAre(10, 12));
}

TEST_F(NearestPostsApi, RefusesBadRequestsNamingTheField) {
  const auto refused = [&](const v1::GetNearestPostsRequest& request, grpc::StatusCode code,
                           const std::string& field) {
    EXPECT_THAT(client().call(request).status, StatusIs(code, HasSubstr(field + ":")))
        << request.ShortDebugString().substr(0, 120);
  };
  refused(v1::GetNearestPostsRequest(), grpc::INVALID_ARGUMENT, "user_id");

  v1::GetNearestPostsRequest two;
  two.set_user_id(1);
  two.set_post_id(10);
  refused(two, grpc::INVALID_ARGUMENT, "post_id");
  v1::GetNearestPostsRequest post_and_vector = to_vector(tilted(0, 0.0f), 1);
  post_and_vector.set_post_id(10);
  refused(post_and_vector, grpc::INVALID_ARGUMENT, "embedding");

  for (int k : {-1, 1025}) refused(to_vector(tilted(0, 0.0f), k), grpc::INVALID_ARGUMENT, "k");
  refused(to_vector(std::vector<float>(kDimension - 8, 1.0f), 1), grpc::INVALID_ARGUMENT,
          "embedding");
  refused(to_vector(std::vector<float>(kDimension, 0.0f), 1), grpc::INVALID_ARGUMENT,
          "embedding");
  auto not_a_number = tilted(0, 0.0f);
  not_a_number[3] = std::nanf("");
  refused(to_vector(not_a_number, 1), grpc::INVALID_ARGUMENT, "embedding");
  // Finite, but so long that the products overflow to infinities, and their sums to NaN.
  std::vector<float> huge(kDimension, 3e38f);
  for (std::size_t i = 1; i < huge.size(); i += 2) huge[i] = -3e38f;
  refused(to_vector(huge, 1), grpc::INVALID_ARGUMENT, "embedding");
  EXPECT_THAT(client().call(to_vector(std::vector<float>(kDimension, 1e28f), 1)).status, IsOk())
      << "a long vector under the bound is served";

  v1::GetNearestPostsRequest unknown_user;
  unknown_user.set_user_id(99);
  refused(unknown_user, grpc::NOT_FOUND, "user_id");
  v1::GetNearestPostsRequest unknown_post;
  unknown_post.set_post_id(99);
  refused(unknown_post, grpc::NOT_FOUND, "post_id");
}

// A FOLLOWERS post (30, along axis 0) reaches only the accounts following its author (1): not a
// stranger (3) who liked the public post nearest it (10), by any kind of query; a follower (4)
// until they unfollow.
class NearestPostsVisibility : public NearestPostsApi {
 protected:
  void SetUp() override {
    NearestPostsApi::SetUp();
    ASSERT_THAT(client().upsert_users({user(3), user(4)}).status, IsOk());
    ASSERT_THAT(client().follow({edge(4, 1)}).status, IsOk());
    ASSERT_THAT(client().create_posts({followers_post(30, 1, tilted(0, 0.0f))}).status, IsOk());
    ASSERT_THAT(client().record_engagements({engagement(3, 10), engagement(4, 10)}).status, IsOk());
  }

  // Every kind of query near post 30, as `viewer` sees it (0: no viewer).
  static std::vector<std::pair<std::string, v1::GetNearestPostsRequest>> queries(
      std::uint64_t viewer) {
    std::vector<std::pair<std::string, v1::GetNearestPostsRequest>> out;
    v1::GetNearestPostsRequest by_post;
    by_post.set_post_id(10);
    by_post.set_k(10);
    by_post.set_viewer_id(viewer);
    out.emplace_back("post_id", by_post);
    v1::GetNearestPostsRequest by_vector = to_vector(tilted(0, 0.0f), 10);
    by_vector.set_viewer_id(viewer);
    out.emplace_back("embedding", by_vector);
    if (viewer != 0) {
      v1::GetNearestPostsRequest by_user;
      by_user.set_user_id(viewer);
      by_user.set_k(10);
      out.emplace_back("user_id", by_user);
    }
    return out;
  }

  static v1::Post followers_post(std::uint64_t id, std::uint64_t author,
                                 const std::vector<float>& vector) {
    v1::Post out = post_along(id, author, vector);
    out.set_visibility(v1::VISIBILITY_FOLLOWERS);
    return out;
  }
};

TEST_F(NearestPostsVisibility, NoViewerAndAStrangerNeverGetAFollowersOnlyPost) {
  for (std::uint64_t viewer : {0, 3}) {
    for (const auto& [what, request] : queries(viewer)) {
      const auto reply = client().call(request);
      ASSERT_THAT(reply.status, IsOk()) << what << ", viewer " << viewer;
      EXPECT_THAT(ids(reply.response), ::testing::Not(::testing::Contains(30u)))
          << what << ", viewer " << viewer;
      EXPECT_FALSE(reply.response.posts().empty()) << what << ", viewer " << viewer;
    }
  }
  // Nor is it found as a query by them.
  v1::GetNearestPostsRequest of_it;
  of_it.set_post_id(30);
  EXPECT_THAT(client().call(of_it).status, StatusIs(grpc::NOT_FOUND, HasSubstr("post_id:")));
  of_it.set_viewer_id(3);
  EXPECT_THAT(client().call(of_it).status, StatusIs(grpc::NOT_FOUND, HasSubstr("post_id:")));
  of_it.set_viewer_id(4);
  EXPECT_THAT(client().call(of_it).status, IsOk());
}

TEST_F(NearestPostsVisibility, AFollowerGetsItUntilTheyUnfollow) {
  for (const auto& [what, request] : queries(4)) {
    const auto reply = client().call(request);
    ASSERT_THAT(reply.status, IsOk()) << what;
    EXPECT_THAT(ids(reply.response), ::testing::Contains(30u)) << what;
  }
  const auto along = client().call(queries(4)[1].second);
  ASSERT_THAT(along.status, IsOk());
  ASSERT_GT(along.response.posts_size(), 0);
  EXPECT_EQ(along.response.posts(0).post_id(), 30u);
  EXPECT_EQ(along.response.posts(0).author_id(), 1u);
  EXPECT_NEAR(along.response.posts(0).score(), 1.0, 1e-5);

  ASSERT_THAT(client().unfollow({edge(4, 1)}).status, IsOk());
  for (const auto& [what, request] : queries(4)) {
    const auto reply = client().call(request);
    ASSERT_THAT(reply.status, IsOk()) << what;
    EXPECT_THAT(ids(reply.response), ::testing::Not(::testing::Contains(30u))) << what;
  }
}

TEST_F(NearestPostsVisibility, AViewerMustExistAndAUserQueryNamesItsOwn) {
  for (auto [what, request] : queries(0)) {
    request.set_viewer_id(99);
    EXPECT_THAT(client().call(request).status,
                StatusIs(grpc::NOT_FOUND, HasSubstr("viewer_id: user 99")))
        << what;
  }
  v1::GetNearestPostsRequest by_user;
  by_user.set_user_id(4);
  by_user.set_viewer_id(3);
  EXPECT_THAT(client().call(by_user).status,
              StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("viewer_id:")));
  by_user.set_viewer_id(4);
  const auto same = client().call(by_user);
  ASSERT_THAT(same.status, IsOk());
  EXPECT_THAT(ids(same.response), ::testing::Contains(30u));
}

TEST_F(NearestPostsApi, KZeroMeansTen) {
  std::vector<v1::Post> more;
  for (std::uint64_t id = 100; id < 120; ++id) more.push_back(post_along(id, 1, tilted(7, 0.01f * id)));
  ASSERT_THAT(client().create_posts(more).status, IsOk());
  const auto reply = client().call(to_vector(tilted(7, 0.0f), 0));
  ASSERT_THAT(reply.status, IsOk());
  EXPECT_EQ(reply.response.posts_size(), 10);
  EXPECT_EQ(reply.response.posts(0).post_id(), 100u);
}

}  // namespace
}  // namespace feedrank::api_test
