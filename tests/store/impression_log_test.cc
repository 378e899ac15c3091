#include "store/impression_log.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>
#include <vector>

#include "rocksdb/db.h"
#include "rocksdb/merge_operator.h"
#include "stored_records.pb.h"  // to write a log as feedrank kept it before pages were one record
#include "tests/store/numbered_pages.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace feedrank::store {
namespace {

// Every field of an impression, so that a comparison (and its failure message) covers them all.
using Fields = std::tuple<std::uint64_t, UserId, std::string, std::string, PostId, UserId,
                          TimestampMs, std::uint32_t, int, int, int, TimestampMs>;

std::vector<Fields> fields(const std::vector<Impression>& impressions) {
  std::vector<Fields> all;
  for (const Impression& i : impressions) {
    all.emplace_back(i.request_id, i.viewer, i.experiment, i.arm, i.post, i.author,
                     i.post_created_at, i.position, i.mode, i.source, i.team, i.served_at);
  }
  return all;
}

// An impression whose other fields are derived from these four and differ from one another.
Impression impression(std::string experiment, TimestampMs served_at, std::uint64_t request_id,
                      std::uint32_t position) {
  Impression i;
  i.request_id = request_id;
  i.viewer = 10 + request_id;
  i.arm = experiment.empty() ? "" : "arm-" + std::to_string(request_id % 2);
  i.experiment = std::move(experiment);
  i.post = request_id * 100 + position;
  i.author = 5000 + position;
  // A minute before it was served, or the earliest time (no overflow at the earliest served_at).
  constexpr TimestampMs kMinute = 60'000;
  i.post_created_at =
      std::max(served_at, std::numeric_limits<TimestampMs>::min() + kMinute) - kMinute;
  i.position = position;
  i.mode = 1;
  i.source = static_cast<std::uint8_t>(2 + position % 2);
  i.team = static_cast<std::uint8_t>(1 + position % 2);
  i.served_at = served_at;
  return i;
}

class ImpressionLogTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  void reopen() {
    log_.reset();  // releases the RocksDB lock before reopening
    auto log = open_rocksdb_impression_log(log_dir());
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
  }

  std::string log_dir() const { return dir_.sub("impressions"); }

  void append_ok(const std::vector<Impression>& page) {
    const auto status = log_->append(page);
    ASSERT_TRUE(status.ok()) << status;
  }

  std::vector<Impression> scan(std::string_view experiment) const {
    std::vector<Impression> seen;
    const auto status = log_->scan(experiment, [&](const Impression& i) { seen.push_back(i); });
    EXPECT_TRUE(status.ok()) << status;
    return seen;
  }

  testing::TempDir dir_;
  std::unique_ptr<ImpressionLog> log_;
};

TEST_F(ImpressionLogTest, ScanReturnsOneExperimentInServedAtRequestPositionOrder) {
  // Appended out of order: later served first, positions of one page shuffled.
  append_ok({impression("exp-a", 2000, 30, 1), impression("exp-a", 2000, 30, 0),
             impression("exp-a", 2000, 30, 2)});
  append_ok({impression("exp-b", 1500, 21, 1), impression("exp-b", 1500, 21, 0)});
  append_ok({impression("", 600, 23, 0)});
  append_ok({impression("exp-a", 2000, 20, 0), impression("exp-a", 2000, 20, 1)});
  append_ok({impression("", 500, 22, 1), impression("", 500, 22, 0)});
  append_ok({impression("exp-a", 1000, 40, 5)});

  EXPECT_EQ(fields(scan("exp-a")),
            fields({impression("exp-a", 1000, 40, 5), impression("exp-a", 2000, 20, 0),
                    impression("exp-a", 2000, 20, 1), impression("exp-a", 2000, 30, 0),
                    impression("exp-a", 2000, 30, 1), impression("exp-a", 2000, 30, 2)}));
  EXPECT_EQ(fields(scan("exp-b")),
            fields({impression("exp-b", 1500, 21, 0), impression("exp-b", 1500, 21, 1)}));
  EXPECT_EQ(fields(scan("")), fields({impression("", 500, 22, 0), impression("", 500, 22, 1),
                                      impression("", 600, 23, 0)}));
  EXPECT_TRUE(scan("exp-c").empty());
  EXPECT_EQ(log_->count(), 11u);
}

TEST_F(ImpressionLogTest, ExperimentWhoseIdPrefixesAnothersSeesOnlyItsOwn) {
  append_ok({impression("abc", 100, 1, 0)});
  append_ok({impression("ab", 200, 2, 0)});
  append_ok({impression("abd", 50, 3, 0)});

  EXPECT_EQ(fields(scan("ab")), fields({impression("ab", 200, 2, 0)}));
  EXPECT_EQ(fields(scan("abc")), fields({impression("abc", 100, 1, 0)}));
  EXPECT_TRUE(scan("a").empty());
}

TEST_F(ImpressionLogTest, EverythingAppendedIsThereAfterReopen) {
  append_ok({impression("exp-a", 1000, 1, 0), impression("exp-a", 1000, 1, 1)});
  append_ok({impression("", 1100, 2, 0)});
  reopen();

  EXPECT_EQ(log_->count(), 3u);
  EXPECT_EQ(fields(scan("exp-a")),
            fields({impression("exp-a", 1000, 1, 0), impression("exp-a", 1000, 1, 1)}));
  EXPECT_EQ(fields(scan("")), fields({impression("", 1100, 2, 0)}));

  append_ok({impression("exp-a", 1200, 3, 0)});
  EXPECT_EQ(log_->count(), 4u) << "appends after a reopen count on from the stored total";
}

class KeepLatest final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice*, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    new_value->assign(value.data(), value.size());
    return true;
  }
  const char* Name() const override { return "KeepLatest"; }
};

// The log's RocksDB opened directly (the log closed), for the tests of its format: its pages'
// family (RocksDB's default) and the count's.
struct RawLog {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<std::unique_ptr<rocksdb::ColumnFamilyHandle>> families;  // closed before db

  rocksdb::ColumnFamilyHandle* family(std::string_view name) const {
    for (const auto& handle : families) {
      if (handle->GetName() == name) return handle.get();
    }
    ADD_FAILURE() << "no column family " << name;
    return nullptr;
  }
  rocksdb::ColumnFamilyHandle* pages() const { return family(rocksdb::kDefaultColumnFamilyName); }
  rocksdb::ColumnFamilyHandle* counts() const { return family("count"); }

  // Every file of the pages' family ends before the count's key: neither the key nor a tombstone
  // of it makes the files overlap (the log flushes its memtables into files when reopened).
  void expect_page_files_end_before_the_count_key() const {
    std::vector<rocksdb::LiveFileMetaData> files;
    db->GetLiveFilesMetaData(&files);
    for (const auto& file : files) {
      if (file.column_family_name == rocksdb::kDefaultColumnFamilyName) {
        EXPECT_LT(file.largestkey, "\377") << file.name;
      }
    }
  }

  std::vector<std::string> keys(rocksdb::ColumnFamilyHandle* handle) const {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handle));
    std::vector<std::string> all;
    for (it->SeekToFirst(); it->Valid(); it->Next()) all.push_back(it->key().ToString());
    return all;
  }
};

RawLog open_raw(const std::string& dir) {
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
  rocksdb::ColumnFamilyOptions family_options;
  // The log's write-ahead log holds the count's merge operands: recovering it without a merge
  // operator would stop at the first one and drop the pages after it.
  family_options.merge_operator = std::make_shared<KeepLatest>();
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) descriptors.emplace_back(name, family_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  RawLog log;
  EXPECT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, descriptors, &handles, &raw).ok());
  log.db.reset(raw);
  for (auto* handle : handles) log.families.emplace_back(handle);
  return log;
}

// Deletes the stored count (the log closed), as logs written before it was kept had none.
// Deleting needs no merge operator (reading the count's operands would).
void forget_stored_count(const RawLog& raw) {
  ASSERT_TRUE(raw.db->Delete(rocksdb::WriteOptions(), raw.counts(), "\377count").ok());
}

std::string encoded_count(std::uint64_t count) {
  std::string bytes;
  for (int shift = 56; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(count >> shift));
  return bytes;
}

// The count is kept in the log, so an open reads it instead of counting; a log written before
// it was kept (here: the key deleted behind the log's back) is counted once at its next open.
TEST_F(ImpressionLogTest, ALogWithoutAStoredCountIsCountedAtOpenAndKeepsItAfter) {
  append_ok({impression("exp-a", 1000, 1, 0), impression("exp-a", 1000, 1, 1)});
  append_ok({impression("", 1100, 2, 0)});
  log_.reset();
  {
    const RawLog raw = open_raw(log_dir());
    ASSERT_NE(raw.db, nullptr);
    forget_stored_count(raw);
  }
  reopen();
  EXPECT_EQ(log_->count(), 3u);
  append_ok({impression("exp-a", 1200, 3, 0)});
  reopen();
  EXPECT_EQ(log_->count(), 4u);
}

// The stored count's key lies outside every experiment's scan, also a 255-byte one that starts
// like it.
TEST_F(ImpressionLogTest, TheStoredCountIsInNoExperimentsScan) {
  const std::string lookalike = "count" + std::string(250, 'x');
  append_ok({impression(lookalike, 100, 1, 0)});
  append_ok({impression("", 100, 2, 0)});
  EXPECT_EQ(fields(scan(lookalike)), fields({impression(lookalike, 100, 1, 0)}));
  EXPECT_EQ(fields(scan("")), fields({impression("", 100, 2, 0)}));
}

TEST_F(ImpressionLogTest, ConcurrentAppendsAllLand) {
  constexpr int kThreads = 4;
  constexpr std::uint64_t kPagesPerThread = 200;
  constexpr std::uint32_t kPositions = 3;
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string experiment = t % 2 == 0 ? "even" : "odd";
      for (std::uint64_t page = 1; page <= kPagesPerThread; ++page) {
        const std::uint64_t request = t * 1000 + page;
        std::vector<Impression> impressions;
        for (std::uint32_t p = 0; p < kPositions; ++p) {
          impressions.push_back(impression(experiment, 5000, request, p));
        }
        if (!log_->append(impressions).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(failures.load(), 0);
  const std::uint64_t total = kThreads * kPagesPerThread * kPositions;
  EXPECT_EQ(log_->count(), total);
  for (const std::string experiment : {"even", "odd"}) {
    std::set<std::pair<std::uint64_t, std::uint32_t>> seen;
    for (const Impression& i : scan(experiment)) seen.emplace(i.request_id, i.position);
    std::set<std::pair<std::uint64_t, std::uint32_t>> expected;
    for (int t = experiment == "even" ? 0 : 1; t < kThreads; t += 2) {
      for (std::uint64_t page = 1; page <= kPagesPerThread; ++page) {
        for (std::uint32_t p = 0; p < kPositions; ++p) expected.emplace(t * 1000 + page, p);
      }
    }
    EXPECT_EQ(seen, expected) << experiment;
  }
  reopen();
  EXPECT_EQ(log_->count(), total);
}

TEST_F(ImpressionLogTest, ImpressionsServedBefore1970SortFirst) {
  constexpr auto kMin = std::numeric_limits<TimestampMs>::min();
  constexpr auto kMax = std::numeric_limits<TimestampMs>::max();
  const std::vector<TimestampMs> appended = {5, -1, kMax, 0, kMin, -86'400'000};
  for (std::size_t i = 0; i < appended.size(); ++i) {
    append_ok({impression("exp", appended[i], i + 1, 0)});
  }
  std::vector<TimestampMs> served;
  for (const Impression& i : scan("exp")) served.push_back(i.served_at);
  EXPECT_EQ(served, (std::vector<TimestampMs>{kMin, -86'400'000, -1, 0, 5, kMax}));
}

TEST_F(ImpressionLogTest, RefusesRequestIdZeroAndWritesNothingOfThePage) {
  const std::vector<Impression> page = {impression("exp", 100, 1, 0), impression("exp", 100, 0, 1)};
  const auto status = log_->append(page);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "page[1].request_id: must be non-zero");
  EXPECT_EQ(log_->count(), 0u);
  reopen();
  EXPECT_EQ(log_->count(), 0u);
  EXPECT_TRUE(scan("exp").empty());
}

TEST_F(ImpressionLogTest, RefusesAnExperimentIdLongerThan255Bytes) {
  const std::string longest(255, 'x');
  append_ok({impression(longest, 100, 1, 0)});
  EXPECT_EQ(fields(scan(longest)), fields({impression(longest, 100, 1, 0)}));

  const std::vector<Impression> page = {impression(std::string(256, 'x'), 100, 2, 0)};
  const auto status = log_->append(page);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "page[0].experiment: 256 bytes, at most 255");
  EXPECT_EQ(log_->count(), 1u);
}

TEST_F(ImpressionLogTest, RefusesAPageOfMoreThanOneRequestAndWritesNothingOfIt) {
  const std::vector<std::pair<std::string, void (*)(Impression&)>> changes = {
      {"request_id", [](Impression& i) { ++i.request_id; }},
      {"served_at", [](Impression& i) { ++i.served_at; }},
      {"experiment", [](Impression& i) { i.experiment += "x"; }},
      {"arm", [](Impression& i) { i.arm += "x"; }},
      {"viewer", [](Impression& i) { ++i.viewer; }},
      {"mode", [](Impression& i) { ++i.mode; }},
  };
  for (const auto& [field, change] : changes) {
    std::vector<Impression> page = {impression("exp", 100, 1, 0), impression("exp", 100, 1, 1),
                                    impression("exp", 100, 1, 2)};
    change(page[2]);
    const auto status = log_->append(page);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(status.message(), "page[2]." + field + ": differs from page[0]'s (a page is one request)");
  }
  const std::vector<Impression> twice = {impression("exp", 100, 1, 4), impression("exp", 100, 1, 0),
                                         impression("exp", 100, 1, 4)};
  const auto status = log_->append(twice);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "page[2].position: 4 appears twice");
  EXPECT_EQ(log_->count(), 0u);
  EXPECT_TRUE(scan("exp").empty());
}

// A page is one record, whatever its size: the log's writes and compactions cost a page, not an
// item.
TEST_F(ImpressionLogTest, APageIsOneRecord) {
  std::vector<Impression> page;
  for (std::uint32_t p = 0; p < 50; ++p) page.push_back(impression("exp", 100, 7, p));
  append_ok(page);
  append_ok({impression("exp", 200, 8, 0)});
  log_.reset();
  const RawLog raw = open_raw(log_dir());
  ASSERT_NE(raw.db, nullptr);
  EXPECT_EQ(raw.keys(raw.pages()).size(), 2u) << "two pages, and the count in its own family";
  EXPECT_EQ(raw.keys(raw.counts()), std::vector<std::string>{"\377count"});
  raw.expect_page_files_end_before_the_count_key();
}

// Logs written before 2026-12-03 keep the count (a value and merge operands) beside the pages; at
// the first open it moves to its own family, so that it no longer ends every file of pages.
TEST_F(ImpressionLogTest, ALogThatKeepsItsCountBesidePagesHasItMovedAtOpen) {
  append_ok({impression("exp", 300, 5, 0), impression("exp", 300, 5, 1)});
  append_ok({impression("exp", 400, 6, 0)});
  log_.reset();
  {
    const RawLog raw = open_raw(log_dir());
    ASSERT_NE(raw.db, nullptr);
    forget_stored_count(raw);
    ASSERT_TRUE(
        raw.db->Put(rocksdb::WriteOptions(), raw.pages(), "\377count", encoded_count(1)).ok());
    ASSERT_TRUE(
        raw.db->Merge(rocksdb::WriteOptions(), raw.pages(), "\377count", encoded_count(2)).ok());
  }
  reopen();
  EXPECT_EQ(log_->count(), 3u) << "the stored value and its merge operand, read once";
  EXPECT_EQ(scan("exp").size(), 3u);
  log_.reset();
  {
    const RawLog raw = open_raw(log_dir());
    ASSERT_NE(raw.db, nullptr);
    EXPECT_EQ(raw.keys(raw.pages()).size(), 2u) << "the count left the pages' family";
    // Nor does its tombstone end any file's key range (it would make every file overlap).
    raw.expect_page_files_end_before_the_count_key();
    std::string stored;
    ASSERT_TRUE(raw.db->Get(rocksdb::ReadOptions(), raw.counts(), "\377count", &stored).ok());
    EXPECT_EQ(stored, encoded_count(3));
  }
  reopen();
  append_ok({impression("exp", 500, 7, 0)});
  reopen();
  EXPECT_EQ(log_->count(), 4u);
}

// Logs written before 2026-12-02 hold one record an impression: they read as they were, in order
// beside pages written since, and are counted right at the first open.
TEST_F(ImpressionLogTest, ALogOfOneRecordAnImpressionReadsInOrderBesidePages) {
  append_ok({impression("exp", 300, 5, 0), impression("exp", 300, 5, 1)});
  log_.reset();
  {
    const RawLog raw = open_raw(log_dir());
    ASSERT_NE(raw.db, nullptr);
    const auto& db = raw.db;
    forget_stored_count(raw);
    for (const Impression& old : {impression("exp", 200, 9, 1), impression("exp", 200, 9, 0),
                                  impression("exp", 400, 1, 0)}) {
      std::string key(1, static_cast<char>(old.experiment.size()));
      key += old.experiment;
      using Field = std::pair<std::uint64_t, int>;  // a value and its big-endian bytes
      for (const auto& [value, bytes] :
           {Field{static_cast<std::uint64_t>(old.served_at) ^ (1ULL << 63), 8},
            Field{old.request_id, 8}, Field{old.position, 4}}) {
        for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
          key.push_back(static_cast<char>(value >> shift));
        }
      }
      encoding::StoredImpression record;
      record.set_viewer_id(old.viewer);
      record.set_arm(old.arm);
      record.set_post_id(old.post);
      record.set_author_id(old.author);
      record.set_post_created_at_ms(old.post_created_at);
      record.set_mode(old.mode);
      record.set_source(old.source);
      record.set_team(old.team);
      record.set_in_network(old.in_network);
      ASSERT_TRUE(
          db->Put(rocksdb::WriteOptions(), raw.pages(), key, record.SerializeAsString()).ok());
    }
  }
  reopen();
  EXPECT_EQ(log_->count(), 5u);
  EXPECT_EQ(fields(scan("exp")),
            fields({impression("exp", 200, 9, 0), impression("exp", 200, 9, 1),
                    impression("exp", 300, 5, 0), impression("exp", 300, 5, 1),
                    impression("exp", 400, 1, 0)}));
}

TEST_F(ImpressionLogTest, EmptyPageWritesNothing) {
  EXPECT_TRUE(log_->append({}).ok());
  EXPECT_EQ(log_->count(), 0u);
  reopen();
  EXPECT_EQ(log_->count(), 0u);
  EXPECT_TRUE(scan("").empty());
}

TEST_F(ImpressionLogTest, SecondOpenOfAnOpenDirectoryFailsWithOneLine) {
  const auto second = open_rocksdb_impression_log(log_dir());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(second.status().message());
  EXPECT_TRUE(message.starts_with("cannot open impression log in " + log_dir() + ": ")) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  append_ok({impression("exp", 100, 1, 0)});  // the first is untouched
}

TEST_F(ImpressionLogTest, UnusableDirectoryFailsWithOneLine) {
  const std::string file = dir_.sub("a-file");
  std::ofstream(file) << "not a directory";
  const auto log = open_rocksdb_impression_log(file + "/impressions");
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(log.status().message());
  EXPECT_TRUE(message.starts_with("cannot create impression log directory " + file)) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

// The writer acknowledges a page on stdout only after append returned; it is SIGKILLed mid-run.
// (SIGKILL leaves the page cache alone, so this proves the write path, not the fsync itself.)
TEST(ImpressionLogCrash, EveryAcknowledgedPageSurvivesSigkillAndNoPageIsHalfThere) {
  constexpr std::uint64_t kAcknowledgementsBeforeKill = 40;
  testing::TempDir dir;
  const std::string log_dir = dir.sub("impressions");
  const auto stderr_path = dir.path() / "writer.stderr";
  std::uint64_t acknowledged = 0;
  {
    testing::ChildProcess writer({IMPRESSION_LOG_WRITER_BIN, log_dir, "1000000"}, {}, stderr_path);
    ASSERT_TRUE(writer.started()) << writer.start_error();
    while (acknowledged < kAcknowledgementsBeforeKill) {
      const auto line = writer.read_line(std::chrono::seconds(10));
      ASSERT_TRUE(line.has_value()) << "writer stopped after page " << acknowledged << ": "
                                    << testing::read_file(stderr_path);
      acknowledged = std::stoull(*line);
    }
    // Into the next page's write (a synced append takes milliseconds), not right after an ack.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const auto exit = writer.kill_and_wait(SIGKILL);
    ASSERT_FALSE(exit.exited) << "the writer ended before the kill";
    // Acknowledgements it sent before dying count too: they are still in the pipe.
    std::istringstream rest(writer.read_rest(std::chrono::seconds(5)).value_or(""));
    for (std::string line; std::getline(rest, line) && !rest.eof();) {
      acknowledged = std::stoull(line);
    }
  }

  auto log = open_rocksdb_impression_log(log_dir);
  ASSERT_TRUE(log.ok()) << log.status();
  std::map<std::uint64_t, std::vector<Impression>> pages;
  const auto status = (*log)->scan(test::kNumberedPagesExperiment,
                                   [&](const Impression& i) { pages[i.request_id].push_back(i); });
  ASSERT_TRUE(status.ok()) << status;

  for (std::uint64_t n = 1; n <= acknowledged; ++n) {
    EXPECT_TRUE(pages.contains(n)) << "acknowledged page " << n << " is lost";
  }
  std::uint64_t stored = 0;
  for (const auto& [n, impressions] : pages) {
    EXPECT_EQ(fields(impressions), fields(test::numbered_page(n))) << "page " << n;
    // Page n+1 may have landed before its acknowledgement was written; n+2 cannot have started.
    EXPECT_LE(n, acknowledged + 1);
    stored += impressions.size();
  }
  EXPECT_EQ((*log)->count(), stored);
}

}  // namespace
}  // namespace feedrank::store
