// A server's store read back as records: what a FeedEngine wrote comes back in a valid order
// (users, posts by time, follows, engagements by time, deletes), and writes again.
#include <gtest/gtest.h>

#include "api/write_conversion.h"
#include "ranker/feed_engine.h"
#include "store/durable_store.h"
#include "tests/support/temp_dir.h"
#include "tests/tools/replay_test_records.h"
#include "tools/fit/store_records.h"
#include "tools/replay/corpus_cut.h"
#include "tools/replay/replay_engine.h"

namespace feedrank::fit {
namespace {

using namespace replay::testing;

v1::IngestRecord engage_as(std::uint64_t user, std::uint64_t post, std::int64_t at,
                           v1::EngagementKind kind) {
  v1::IngestRecord record = engage(user, post, at);
  record.mutable_engagement()->set_kind(kind);
  return record;
}

// Writes the records through a FeedEngine on a store in `directory`, then closes it.
void write_store(const std::string& directory, const std::vector<v1::IngestRecord>& records) {
  auto durable = store::open_rocksdb_store(directory);
  ASSERT_TRUE(durable.ok()) << durable.status();
  ranker::CorpusVectorOptions vectors;
  vectors.users.dimension = 128;
  ranker::RetrievalOptions retrieval;
  retrieval.backend = kernels::BackendRequest::kCpu;
  auto engine = ranker::FeedEngine::open(std::move(*durable), std::move(vectors), retrieval);
  ASSERT_TRUE(engine.ok()) << engine.status();
  v1::IngestRequest chunk;
  for (const auto& record : records) *chunk.add_records() = record;
  auto ops = api::to_write_ops(chunk, api::WriteRules{128});
  ASSERT_TRUE(ops.ok()) << ops.status();
  auto written = (*engine)->write(std::move(*ops), api::ingest_item_namer(chunk));
  ASSERT_TRUE(written.ok()) << written.status();
}

std::vector<std::string> texts(const std::vector<v1::IngestRecord>& records) {
  std::vector<std::string> out;
  for (const auto& record : records) out.push_back(record.ShortDebugString());
  return out;
}

TEST(StoreRecords, ReadsBackWhatAnEngineWroteInAValidOrder) {
  testing::TempDir dir;
  const std::string data = dir.sub("data");
  write_store(data, {user(1, 100), user(2, 100), user(3, 100), post(11, 1, 3000),
                     post(10, 2, 2000, /*followers_only=*/true), post(12, 3, 1000), follow(2, 1),
                     follow(3, 1), unfollow(3, 1), engage_as(2, 11, 5000, v1::ENGAGEMENT_KIND_LIKE),
                     engage_as(3, 11, 4000, v1::ENGAGEMENT_KIND_COMMENT),
                     engage_as(1, 12, 4000, v1::ENGAGEMENT_KIND_SHARE), delete_post(12)});

  auto loaded = read_store_records(data);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  v1::IngestRecord deleted = post(12, 3, 1000);
  deleted.mutable_post()->set_text(kDeletedPostText);  // the store keeps no text of it
  const std::vector<v1::IngestRecord> expected = {
      user(1, 100),
      user(2, 100),
      user(3, 100),
      deleted,
      post(10, 2, 2000, true),
      post(11, 1, 3000),
      follow(2, 1),  // the unfollowed edge is gone
      engage_as(1, 12, 4000, v1::ENGAGEMENT_KIND_SHARE),
      engage_as(3, 11, 4000, v1::ENGAGEMENT_KIND_COMMENT),
      engage_as(2, 11, 5000, v1::ENGAGEMENT_KIND_LIKE),
      delete_post(12)};
  EXPECT_EQ(texts(loaded->records), texts(expected));

  // And they are valid to write again, in that order.
  auto engine = replay::ReplayEngine::open({});
  ASSERT_TRUE(engine.ok()) << engine.status();
  EXPECT_TRUE((*engine)->write(loaded->records).ok());

  // The deletes come last with no time of their own: a cut keeps them in the history, wherever
  // the dated records before them fall (here two engagements after the cut).
  const replay::CorpusCut cut = replay::cut_corpus(loaded->records, 3500, {}, loaded->undated);
  EXPECT_EQ(cut.state.live_post(12), nullptr);
  EXPECT_EQ(cut.counts.deletes, 1u);
  EXPECT_EQ(cut.counts.deletes_after_cut, 0u);
}

TEST(StoreRecords, AMissingDirectoryIsNotFoundAndNotCreated) {
  testing::TempDir dir;
  const std::string missing = dir.sub("typo");
  EXPECT_TRUE(absl::IsNotFound(read_store_records(missing).status()));
  EXPECT_FALSE(std::filesystem::exists(missing));
}

}  // namespace
}  // namespace feedrank::fit
