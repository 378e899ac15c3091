// RocksDB implementation of ImpressionLog. A page's key is [u8 experiment length][experiment]
// [i64 served_at, sign bit flipped][u64 request_id], big-endian, so that one experiment is one
// prefix scan in (served_at, request_id) order; the length byte keeps "ab" from being a prefix of
// "abc". The value (StoredImpressionPage) holds the rest, the page's items in position order.
// Logs written before 2026-12-02 hold one key an impression (a page's key and [u32 position]) with
// a StoredImpression value; they are read as they are, in the same order.
//
// The count of impressions lives in a column family of its own ("count"): beside the pages its key
// would end every file's key range, so that every flushed file overlapped every older one and each
// compaction rewrote the newest files of the level below. Without it, pages arrive in time order
// and compactions mostly move whole files down. Logs written before 2026-12-03 hold the count in
// the pages' column family; it moves at their first open.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/merge_operator.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "store/impression_log.h"
#include "store/rocksdb_info_log.h"
#include "stored_records.pb.h"  // generated, private to store/

namespace feedrank::store {
namespace {

constexpr std::size_t kMaxExperimentBytes = 255;  // its length is one key byte
constexpr std::size_t kPageKeySuffixBytes = 8 + 8;                      // served_at, request_id
constexpr std::size_t kImpressionKeySuffixBytes = kPageKeySuffixBytes + 4;  // older logs: + position
constexpr std::uint64_t kSignBit = 1ULL << 63;  // flipped so that signed times sort as unsigned

void put_big_endian(std::string& key, std::uint64_t value, int bytes) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    key.push_back(static_cast<char>(value >> shift));
  }
}

std::uint64_t get_big_endian(const char* bytes, int count) {
  std::uint64_t value = 0;
  for (int i = 0; i < count; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

std::string experiment_prefix(std::string_view experiment) {
  std::string key(1, static_cast<char>(experiment.size()));
  key.append(experiment);
  return key;
}

std::string page_key(const Impression& first) {
  std::string key = experiment_prefix(first.experiment);
  put_big_endian(key, static_cast<std::uint64_t>(first.served_at) ^ kSignBit, 8);
  put_big_endian(key, first.request_id, 8);
  return key;
}

// `order` lists the page's indices by position.
std::string encode_page(std::span<const Impression> page, std::span<const std::size_t> order) {
  encoding::StoredImpressionPage record;
  record.set_viewer_id(page.front().viewer);
  record.set_arm(page.front().arm);
  record.set_mode(page.front().mode);
  record.mutable_items()->Reserve(static_cast<int>(page.size()));
  for (const std::size_t index : order) {
    const Impression& impression = page[index];
    encoding::StoredPageItem& item = *record.add_items();
    item.set_position(impression.position);
    item.set_post_id(impression.post);
    item.set_author_id(impression.author);
    item.set_post_created_at_ms(impression.post_created_at);
    item.set_source(impression.source);
    item.set_team(impression.team);
    item.set_in_network(impression.in_network);
  }
  return record.SerializeAsString();
}

absl::Status corrupt(rocksdb::Slice key) {
  return absl::DataLossError(fmt::format("corrupt impression record, key {}", key.ToString(true)));
}

bool fits_a_byte(std::uint32_t value) { return value <= 255; }

// Visits the impressions of one record, a page or (in an older log) one impression. `key` starts
// with the experiment's prefix, `prefix_size` bytes long.
absl::Status visit_record(std::string_view experiment, std::size_t prefix_size, rocksdb::Slice key,
                          rocksdb::Slice value,
                          absl::FunctionRef<void(const Impression&)> visit) {
  const std::size_t suffix_size = key.size() - prefix_size;
  if (suffix_size != kPageKeySuffixBytes && suffix_size != kImpressionKeySuffixBytes) {
    return corrupt(key);
  }
  const char* suffix = key.data() + prefix_size;
  Impression impression;
  impression.served_at = static_cast<TimestampMs>(get_big_endian(suffix, 8) ^ kSignBit);
  impression.request_id = get_big_endian(suffix + 8, 8);
  impression.experiment = std::string(experiment);
  const int value_size = static_cast<int>(value.size());

  if (suffix_size == kImpressionKeySuffixBytes) {
    encoding::StoredImpression record;
    if (!record.ParseFromArray(value.data(), value_size) || !fits_a_byte(record.mode()) ||
        !fits_a_byte(record.source()) || !fits_a_byte(record.team())) {
      return corrupt(key);
    }
    impression.position = static_cast<std::uint32_t>(get_big_endian(suffix + 16, 4));
    impression.viewer = record.viewer_id();
    impression.arm = std::move(*record.mutable_arm());
    impression.post = record.post_id();
    impression.author = record.author_id();
    impression.post_created_at = record.post_created_at_ms();
    impression.mode = static_cast<std::uint8_t>(record.mode());
    impression.source = static_cast<std::uint8_t>(record.source());
    impression.team = static_cast<std::uint8_t>(record.team());
    impression.in_network = record.in_network();
    visit(impression);
    return absl::OkStatus();
  }

  encoding::StoredImpressionPage record;
  if (!record.ParseFromArray(value.data(), value_size) || !fits_a_byte(record.mode()) ||
      record.items().empty()) {
    return corrupt(key);
  }
  impression.viewer = record.viewer_id();
  impression.arm = std::move(*record.mutable_arm());
  impression.mode = static_cast<std::uint8_t>(record.mode());
  for (int i = 0; i < record.items_size(); ++i) {
    const encoding::StoredPageItem& item = record.items(i);
    if (!fits_a_byte(item.source()) || !fits_a_byte(item.team()) ||
        (i > 0 && item.position() <= record.items(i - 1).position())) {
      return corrupt(key);
    }
    impression.position = item.position();
    impression.post = item.post_id();
    impression.author = item.author_id();
    impression.post_created_at = item.post_created_at_ms();
    impression.source = static_cast<std::uint8_t>(item.source());
    impression.team = static_cast<std::uint8_t>(item.team());
    impression.in_network = item.in_network();
    visit(impression);
  }
  return absl::OkStatus();
}

absl::Status to_status(const rocksdb::Status& status, std::string_view what) {
  if (status.ok()) return absl::OkStatus();
  const auto message = fmt::format("{}: {}", what, status.ToString());
  return status.IsCorruption() ? absl::DataLossError(message) : absl::InternalError(message);
}

absl::Status check_experiment(std::string_view experiment, std::string_view field) {
  if (experiment.size() <= kMaxExperimentBytes) return absl::OkStatus();
  return absl::InvalidArgumentError(
      fmt::format("{}: {} bytes, at most {}", field, experiment.size(), kMaxExperimentBytes));
}

// The first field in which `item` is not of the same request as `first`, or nullptr.
const char* field_not_shared(const Impression& item, const Impression& first) {
  if (item.request_id != first.request_id) return "request_id";
  if (item.served_at != first.served_at) return "served_at";
  if (item.experiment != first.experiment) return "experiment";
  if (item.arm != first.arm) return "arm";
  if (item.viewer != first.viewer) return "viewer";
  if (item.mode != first.mode) return "mode";
  return nullptr;
}

// A page is one request's items: non-zero request id, an experiment id a key can hold, the
// request's fields the same in every item, no position twice. Returns the page's indices in
// position order. Field names are built only on the error path: this runs for every page served.
absl::StatusOr<std::vector<std::size_t>> check_page(std::span<const Impression> page) {
  for (std::size_t i = 0; i < page.size(); ++i) {
    if (page[i].request_id == 0) {
      return absl::InvalidArgumentError(fmt::format("page[{}].request_id: must be non-zero", i));
    }
    if (page[i].experiment.size() > kMaxExperimentBytes) {
      return check_experiment(page[i].experiment, fmt::format("page[{}].experiment", i));
    }
    if (const char* field = field_not_shared(page[i], page.front())) {
      return absl::InvalidArgumentError(
          fmt::format("page[{}].{}: differs from page[0]'s (a page is one request)", i, field));
    }
  }
  std::vector<std::size_t> order(page.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::ranges::sort(order, {}, [&](std::size_t i) { return page[i].position; });
  for (std::size_t i = 1; i < order.size(); ++i) {
    if (page[order[i]].position == page[order[i - 1]].position) {
      return absl::InvalidArgumentError(
          fmt::format("page[{}].position: {} appears twice", order[i], page[order[i]].position));
    }
  }
  return order;
}

// Scans are whole-log reads by reports: keeping them out of the block cache keeps it small.
rocksdb::ReadOptions scan_options() {
  rocksdb::ReadOptions options;
  options.fill_cache = false;
  return options;
}

// The number of impressions stored. Each page adds its size to it in the page's own batch, so that
// an open reads one key instead of counting every impression (a scan of a 589 MB log took a core
// for minutes after each start). Older logs kept it beside the pages under the same key, which no
// page has (theirs are at least 17 bytes) and no experiment's scan reaches (a 255-byte
// experiment's prefix is 256 bytes).
constexpr std::string_view kCountKey = "\377count";  // 0xFF, then "count"
constexpr std::string_view kCountFamily = "count";

std::string encode_count(std::uint64_t count) {
  std::string bytes;
  put_big_endian(bytes, count, 8);
  return bytes;
}

std::optional<std::uint64_t> decode_count(rocksdb::Slice bytes) {
  if (bytes.size() != 8) return std::nullopt;
  return get_big_endian(bytes.data(), 8);
}

// Merges the counter's additions; an operand that is not 8 bytes fails the merge (a corrupt
// count), which RocksDB reports to the reader.
class CountAdder final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    const auto addition = decode_count(value);
    const auto base =
        existing != nullptr ? decode_count(*existing) : std::optional<std::uint64_t>(0);
    if (!addition || !base) return false;
    *new_value = encode_count(*base + *addition);
    return true;
  }
  const char* Name() const override { return "feedrank.ImpressionCountAdder"; }
};

// The log's database and its two column families; the handles go before the database.
struct OpenedLog {
  std::unique_ptr<rocksdb::DB> db;
  std::unique_ptr<rocksdb::ColumnFamilyHandle> pages;  // RocksDB's default family
  std::unique_ptr<rocksdb::ColumnFamilyHandle> counts;
};

// Reads every record: a log written before the count was kept is counted once, at its first open.
absl::StatusOr<std::uint64_t> count_impressions(const OpenedLog& log) {
  std::unique_ptr<rocksdb::Iterator> it(log.db->NewIterator(scan_options(), log.pages.get()));
  std::uint64_t count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const rocksdb::Slice key = it->key();
    const std::size_t prefix_size = key.empty() ? 0 : 1 + static_cast<unsigned char>(key[0]);
    if (key.empty() || key.size() < prefix_size) return corrupt(key);
    const std::string_view experiment(key.data() + 1, prefix_size - 1);
    auto status = visit_record(experiment, prefix_size, key, it->value(),
                               [&](const Impression&) { ++count; });
    if (!status.ok()) return status;
  }
  if (auto status = to_status(it->status(), "counting impressions"); !status.ok()) return status;
  return count;
}

// Reads the count under kCountKey in `family`: nullopt when it is not there.
absl::StatusOr<std::optional<std::uint64_t>> read_count(const OpenedLog& log,
                                                        rocksdb::ColumnFamilyHandle* family) {
  std::string bytes;
  const rocksdb::Status found = log.db->Get(rocksdb::ReadOptions(), family, kCountKey, &bytes);
  if (found.IsNotFound()) return std::nullopt;
  if (!found.ok()) return to_status(found, "reading the impression count");
  if (auto count = decode_count(bytes)) return count;
  return corrupt(kCountKey);
}

// The stored count. A log that keeps it beside its pages (written before 2026-12-03) has it moved
// to its own family; one without any (new, or written before it was kept) is counted and the
// count stored; both before the log takes appends.
absl::StatusOr<std::uint64_t> stored_count(const OpenedLog& log) {
  auto stored = read_count(log, log.counts.get());
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) return **stored;
  auto beside_pages = read_count(log, log.pages.get());
  if (!beside_pages.ok()) return beside_pages.status();
  const bool moving = beside_pages->has_value();
  auto count = moving ? **beside_pages : count_impressions(log);
  if (!count.ok()) return count.status();

  rocksdb::WriteBatch batch;  // moved, not copied: the old key would end the pages' files again
  batch.Put(log.counts.get(), kCountKey, encode_count(*count));
  // Only where there is one to delete: a tombstone would end the files' ranges as the key did.
  if (moving) batch.Delete(log.pages.get(), kCountKey);
  rocksdb::WriteOptions options;
  options.sync = true;
  if (auto status = to_status(log.db->Write(options, &batch), "storing the impression count");
      !status.ok()) {
    return status;
  }
  if (moving) {
    // The old key and its tombstone would end the range of every file they pass through until
    // they reach the last level: compact the files that hold them down now, once (the newest
    // file of each level, a few seconds on a log of a few GB).
    std::string after_count(kCountKey);
    after_count.push_back('\0');
    const rocksdb::Slice begin(kCountKey), end(after_count);
    rocksdb::CompactRangeOptions compact;
    // Rewrite the last level's files too: a file moved down whole would keep the key.
    compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    if (auto status = to_status(log.db->CompactRange(compact, log.pages.get(), &begin, &end),
                                "compacting the old impression count away");
        !status.ok()) {
      return status;
    }
  }
  return *count;
}

class RocksDbImpressionLog final : public ImpressionLog {
 public:
  RocksDbImpressionLog(OpenedLog log, std::uint64_t stored, ImpressionLogOptions options)
      : log_(std::move(log)), count_(stored), options_(options) {
    if (!options_.sync_each_page) syncer_ = std::thread([this] { sync_periodically(); });
  }

  ~RocksDbImpressionLog() override {
    if (syncer_.joinable()) {
      {
        std::lock_guard lock(syncer_mutex_);
        stopping_ = true;
      }
      syncer_wakeup_.notify_all();
      syncer_.join();
    }
    log_.db->SyncWAL();  // a clean stop loses nothing, also to a power cut after it
  }

  absl::Status append(std::span<const Impression> page) override {
    if (page.empty()) return absl::OkStatus();
    auto order = check_page(page);
    if (!order.ok()) return order.status();
    rocksdb::WriteBatch batch;  // one batch: the page and its count, both or neither
    batch.Put(log_.pages.get(), page_key(page.front()), encode_page(page, *order));
    batch.Merge(log_.counts.get(), kCountKey, encode_count(page.size()));
    rocksdb::WriteOptions options;
    // Either way the page is in the operating system's hands when append returns, so a crash or
    // kill -9 of the server loses nothing; only a synced write survives a power cut. RocksDB
    // group-commits concurrent synced writers: they share one sync.
    options.sync = options_.sync_each_page;
    auto status = to_status(log_.db->Write(options, &batch), "impression log write failed");
    // A page appended twice replaces itself but counts twice.
    if (status.ok()) count_.fetch_add(page.size(), std::memory_order_relaxed);
    return status;
  }

  absl::Status scan(std::string_view experiment,
                    absl::FunctionRef<void(const Impression&)> visit) const override {
    if (auto status = check_experiment(experiment, "experiment"); !status.ok()) return status;
    const std::string prefix = experiment_prefix(experiment);
    std::unique_ptr<rocksdb::Iterator> it(log_.db->NewIterator(scan_options(), log_.pages.get()));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      auto status = visit_record(experiment, prefix.size(), it->key(), it->value(), visit);
      if (!status.ok()) return status;
    }
    return to_status(it->status(), "impression log scan failed");
  }

  std::uint64_t count() const override { return count_.load(std::memory_order_relaxed); }

 private:
  // Bounds what a power cut can take to the last sync_interval of pages.
  void sync_periodically() {
    std::unique_lock lock(syncer_mutex_);
    while (!syncer_wakeup_.wait_for(lock, options_.sync_interval, [this] { return stopping_; })) {
      lock.unlock();
      log_.db->SyncWAL();  // a failure shows again at the next sync or the next write
      lock.lock();
    }
  }

  OpenedLog log_;
  std::atomic<std::uint64_t> count_;  // stored at open plus appended since
  const ImpressionLogOptions options_;
  std::mutex syncer_mutex_;
  std::condition_variable syncer_wakeup_;
  bool stopping_ = false;
  std::thread syncer_;
};

// Opens both families, creating what is missing.
absl::StatusOr<OpenedLog> open_database(const std::string& directory) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  use_info_log(options, directory);
  // The count's family fills its memtable at its own pace (a few dozen bytes a page): a write-ahead
  // file is kept until both families have flushed what it holds, and this bound makes RocksDB
  // flush the slower one before such files pile up.
  options.max_total_wal_size = 64 << 20;

  // Append-mostly, read only by reports: a small memtable and a bounded cache keep the log from
  // competing with the store for memory.
  rocksdb::ColumnFamilyOptions pages;
  pages.write_buffer_size = 16 << 20;
  // Logs written before 2026-12-03 hold the count's merge operands beside the pages.
  pages.merge_operator = std::make_shared<CountAdder>();
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(8 << 20);
  table.cache_index_and_filter_blocks = true;  // index blocks count against that bound too
  pages.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::ColumnFamilyOptions counts;
  counts.write_buffer_size = 1 << 20;
  counts.merge_operator = pages.merge_operator;

  const std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, pages}, {std::string(kCountFamily), counts}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto status = rocksdb::DB::Open(options, directory, families, &handles, &raw);
  if (!status.ok()) return absl::FailedPreconditionError(status.ToString());
  OpenedLog log;
  log.db.reset(raw);
  log.pages.reset(handles[0]);
  log.counts.reset(handles[1]);
  return log;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ImpressionLog>> open_rocksdb_impression_log(
    const std::string& directory, ImpressionLogOptions log_options) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    return absl::FailedPreconditionError(
        fmt::format("cannot create impression log directory {}: {}", directory, error.message()));
  }
  auto log = open_database(directory);
  absl::StatusOr<std::uint64_t> stored = log.ok() ? stored_count(*log) : log.status();
  if (!stored.ok()) {
    return absl::FailedPreconditionError(fmt::format(
        "cannot open impression log in {}: {}", directory, std::string(stored.status().message())));
  }
  return std::unique_ptr<ImpressionLog>(
      new RocksDbImpressionLog(std::move(*log), *stored, log_options));
}

}  // namespace feedrank::store
