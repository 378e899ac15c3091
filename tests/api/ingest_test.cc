// The client-streaming Ingest RPC: chunks applied atomically and in order, records referring to
// earlier chunks and to earlier records of the same chunk.
#include <gmock/gmock.h>

#include "tests/api/status_matchers.h"
#include "tests/api/test_records.h"
#include "tests/api/test_server.h"

namespace feedrank::api_test {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class Ingest : public ApiTest {};

TEST_F(Ingest, AppliesChunksInOrderAndSummarisesEveryKindOfRecord) {
  const std::vector<v1::IngestRequest> chunks = {
      // Records refer to earlier records of the same chunk.
      chunk({user_record(1), user_record(2), post_record(post(10, 1, 1000)), follow_record(2, 1)}),
      // ... and to records of earlier chunks.
      chunk({user_record(3), post_record(post(11, 3, 1100)), follow_record(2, 3),
             engagement_record(engagement(2, 10)), post_record(post(12, 2, 1200))}),
      chunk({unfollow_record(2, 1), delete_record(12), engagement_record(engagement(3, 11)),
             user_record(1)}),
  };
  auto reply = client().ingest(chunks);
  ASSERT_THAT(reply.status, IsOk());
  const v1::IngestResponse& summary = reply.response;
  EXPECT_EQ(summary.chunks(), 3u);
  EXPECT_EQ(summary.users(), 3u);
  EXPECT_EQ(summary.posts(), 3u);
  EXPECT_EQ(summary.follows(), 2u);
  EXPECT_EQ(summary.unfollows(), 1u);
  EXPECT_EQ(summary.deleted_posts(), 1u);
  EXPECT_EQ(summary.engagements(), 2u);
  EXPECT_EQ(summary.unchanged(), 1u);  // user 1 sent again unchanged

  EXPECT_THAT(client().stats(), StatsAre(3, 2, 1, 2));
  EXPECT_THAT(post_ids(client().whole_feed(2)), ElementsAre(11));
  EXPECT_THAT(post_ids(client().whole_feed(1)), ElementsAre(10));
}

// The server prepares each chunk while the one before it commits: a long stream in which every
// chunk builds on the one just before it (its user, its post) must still be applied in order.
TEST_F(Ingest, ALongStreamWhoseChunksEachBuildOnTheOneBeforeIsAppliedInOrder) {
  constexpr std::uint64_t kChunks = 40;
  std::vector<v1::IngestRequest> chunks = {chunk({user_record(1)})};
  for (std::uint64_t c = 1; c <= kChunks; ++c) {
    std::vector<v1::IngestRecord> records = {
        user_record(c + 1), follow_record(c + 1, c), post_record(post(100 + c, c, 1000 + c))};
    if (c > 1) records.push_back(engagement_record(engagement(c + 1, 100 + c - 1)));
    if (c % 10 == 0) records.push_back(delete_record(100 + c - 1));
    chunks.push_back(chunk(std::move(records)));
  }
  auto reply = client().ingest(chunks);
  ASSERT_THAT(reply.status, IsOk());
  EXPECT_EQ(reply.response.chunks(), kChunks + 1);
  EXPECT_EQ(reply.response.engagements(), kChunks - 1);
  EXPECT_EQ(reply.response.deleted_posts(), kChunks / 10);
  EXPECT_THAT(client().stats(), StatsAre(kChunks + 1, kChunks - kChunks / 10, kChunks, kChunks - 1));
  // User c posts 100 + c and follows user c - 1, whose post is in their feed unless a later
  // chunk deleted it.
  EXPECT_THAT(post_ids(client().whole_feed(6)), ElementsAre(106, 105));
  EXPECT_THAT(post_ids(client().whole_feed(10)), ElementsAre(110));  // 109 deleted by chunk 10
}

TEST_F(Ingest, AnEmptyStreamAndEmptyChunksChangeNothing) {
  auto empty_stream = client().ingest({});
  ASSERT_THAT(empty_stream.status, IsOk());
  EXPECT_EQ(empty_stream.response.chunks(), 0u);

  auto empty_chunks = client().ingest({chunk({}), chunk({})});
  ASSERT_THAT(empty_chunks.status, IsOk());
  EXPECT_EQ(empty_chunks.response.chunks(), 2u);
  EXPECT_THAT(client().stats(), StatsAre(0, 0, 0, 0));
}

TEST_F(Ingest, AnInvalidChunkFailsTheCallButKeepsTheChunksBeforeIt) {
  auto reply = client().ingest({
      chunk({user_record(1), post_record(post(10, 1, 1000))}),
      chunk({user_record(2), post_record(post(11, 99, 1100))}),  // author 99 does not exist
      chunk({user_record(3)}),
  });
  EXPECT_THAT(reply.status,
              StatusIs(grpc::NOT_FOUND,
                       AllOf(HasSubstr("chunk 1"), HasSubstr("records[1].post.author_id"))));
  // Chunk 0 is durable; nothing of chunk 1 (user 2 included) nor of chunk 2 was written.
  EXPECT_THAT(client().stats(), StatsAre(1, 1, 0, 0));
  EXPECT_THAT(post_ids(client().whole_feed(1)), ElementsAre(10));
}

// A chunk the server cannot parse (a string field that is not UTF-8, which C++ clients can send)
// fails the call like an invalid one: the load must not end as if the stream had ended there,
// with OK and the chunks after it silently dropped.
TEST_F(Ingest, AChunkThatDoesNotParseFailsTheCallWhereverItIs) {
  v1::Post garbled = post(11, 1, 1100);
  garbled.set_text(std::string("caf\xC3\x28", 5));
  auto middle = client().ingest({
      chunk({user_record(1), post_record(post(10, 1, 1000))}),
      chunk({post_record(garbled)}),
      chunk({user_record(2)}),
  });
  EXPECT_THAT(middle.status, StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("chunk 1")));
  EXPECT_THAT(client().stats(), StatsAre(1, 1, 0, 0));

  auto last = client().ingest({chunk({user_record(3)}), chunk({post_record(garbled)})});
  EXPECT_THAT(last.status, StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("chunk 1")));
  EXPECT_THAT(client().stats(), StatsAre(2, 1, 0, 0));
}

TEST_F(Ingest, NamesTheRecordAndFieldOfAnInvalidRecord) {
  v1::Post too_long = post(10, 1, 1000);
  too_long.set_text(std::string(4097, 'x'));
  auto reply = client().ingest({chunk({user_record(1), post_record(too_long)})});
  EXPECT_THAT(reply.status,
              StatusIs(grpc::INVALID_ARGUMENT,
                       AllOf(HasSubstr("chunk 0"), HasSubstr("records[1].post.text"))));

  auto empty_record = client().ingest({chunk({user_record(1), v1::IngestRecord()})});
  EXPECT_THAT(empty_record.status, StatusIs(grpc::INVALID_ARGUMENT, HasSubstr("records[1]")));
  EXPECT_THAT(client().stats(), StatsAre(0, 0, 0, 0));
}

TEST_F(Ingest, ARecordMayNotReferToAPostDeletedEarlierInTheSameChunk) {
  auto reply = client().ingest({chunk({user_record(1), post_record(post(10, 1, 1000)),
                                       delete_record(10), engagement_record(engagement(1, 10))})});
  EXPECT_THAT(reply.status, StatusIs(grpc::NOT_FOUND, HasSubstr("records[3].engagement.post_id")));
  EXPECT_THAT(client().stats(), StatsAre(0, 0, 0, 0));
}

}  // namespace
}  // namespace feedrank::api_test
