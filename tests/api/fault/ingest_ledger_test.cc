// The IngestLedger's check fails when it should: a chunk half there, an acknowledged chunk
// missing, a chunk the store holds beyond what was sent (the fault tests rely on it to fail).
#include <gmock/gmock.h>

#include "tests/api/fault/ingest_ledger.h"
#include "tests/api/server_process.h"
#include "tests/api/test_client.h"
#include "tests/api/test_records.h"
#include "tests/support/temp_dir.h"

namespace feedrank::api_test {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(IngestLedger, FlagsAChunkHalfThereAndAnAcknowledgedChunkMissing) {
  testing::TempDir scratch;
  ServerProcess server("127.0.0.1:0", scratch.path() / "data", scratch.path());
  const std::string address = server.wait_until_listening();
  ASSERT_NE(address, "") << server.stderr_text();
  TestClient client(address);
  ASSERT_TRUE(client.upsert_users({user(kLedgerAnchorUser)}).status.ok());

  IngestLedger ledger(4);
  // Stream 1, acknowledged and really written: the check passes.
  ledger.begin_stream();
  ledger.mark_sent(0);
  ASSERT_TRUE(client.ingest({ledger.chunk(0)}).status.ok());
  ledger.acknowledge_stream();
  EXPECT_THAT(ledger.check(client).problems, IsEmpty());

  // Stream 2, cut short, of which the store got the user and 2 of the 4 posts of chunk 1.
  ledger.begin_stream();
  ledger.mark_sent(1);
  v1::IngestRequest half = ledger.chunk(1);
  half.mutable_records()->DeleteSubrange(3, half.records_size() - 3);
  ASSERT_TRUE(client.ingest({half}).status.ok());
  const LedgerCheck partial = ledger.check(client);
  ASSERT_EQ(partial.problems.size(), 3u) << ::testing::PrintToString(partial.problems);
  EXPECT_THAT(partial.problems[0], HasSubstr("chunk 1 (stream 2): unacknowledged and partial"));
  EXPECT_THAT(partial.problems[1], HasSubstr("users: the store has 3"));
  EXPECT_THAT(partial.problems[2], HasSubstr("posts: the store has 6"));

  // Stream 3 "acknowledged" without reaching the store.
  ledger.begin_stream();
  ledger.mark_sent(2);
  ledger.acknowledge_stream();
  EXPECT_THAT(ledger.check(client).problems,
              ::testing::Contains(HasSubstr("chunk 2 (stream 3): acknowledged, but absent")));
}

}  // namespace
}  // namespace feedrank::api_test
