// RocksDB implementation of DurableStore. Keys are a one-byte table tag followed by big-endian
// ids, so that a prefix scan returns each table in id order and tables in replay order.
// Engagement keys hold the whole engagement (for the duplicate check); values hold the rest.
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "common/error_status.h"
#include "common/half_float.h"
#include "fmt/format.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "store/durable_store.h"
#include "store/rocksdb_info_log.h"
#include "stored_records.pb.h"  // generated, private to store/

namespace feedrank::store {
namespace {

// The memtable's size, also the free space RocksDB waits for before it takes writes again after
// a full disk (see commit()).
constexpr std::size_t kMemtableBytes = std::size_t{64} << 20;
constexpr const char* kRefusedSinceAFailure =
    "store write failed (the store takes no writes since one failed, until the disk has 64 MiB "
    "free and RocksDB recovers, within seconds, or the server restarts)";
static_assert(kMemtableBytes == std::size_t{64} << 20, "kRefusedSinceAFailure names the size");

// Tag order is replay order (see StoreVisitor).
enum class Table : char {
  kCheckpoint = 0,
  kUser = 1,
  kPost = 2,
  kFollow = 3,
  kEngagement = 4,
  // States without their sequence, as stores kept them before 2026-12-06: rewritten at open as
  // kUserState with the checkpoint's sequence (upgrade_legacy_user_states).
  kLegacyUserState = 5,
  kUserState = 6,
};

class KeyBuilder {
 public:
  explicit KeyBuilder(Table table) { bytes_.push_back(static_cast<char>(table)); }
  KeyBuilder& u64(std::uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8)
      bytes_.push_back(static_cast<char>(value >> shift));
    return *this;
  }
  // Signed times sort correctly once the sign bit is flipped.
  KeyBuilder& i64(std::int64_t value) {
    return u64(static_cast<std::uint64_t>(value) ^ (1ULL << 63));
  }
  KeyBuilder& u8(std::uint8_t value) {
    bytes_.push_back(static_cast<char>(value));
    return *this;
  }
  const std::string& str() const { return bytes_; }

 private:
  std::string bytes_;
};

class KeyReader {
 public:
  explicit KeyReader(rocksdb::Slice key) : key_(key), pos_(1) {}
  bool has(std::size_t n) const { return pos_ + n <= key_.size(); }
  std::uint64_t u64() {
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(key_[pos_++]);
    return value;
  }
  std::int64_t i64() { return static_cast<std::int64_t>(u64() ^ (1ULL << 63)); }
  std::uint8_t u8() { return static_cast<unsigned char>(key_[pos_++]); }

 private:
  rocksdb::Slice key_;
  std::size_t pos_;
};

std::string checkpoint_key() { return KeyBuilder(Table::kCheckpoint).str(); }
std::string user_key(UserId id) { return KeyBuilder(Table::kUser).u64(id).str(); }
std::string user_state_key(UserId id) { return KeyBuilder(Table::kUserState).u64(id).str(); }
std::string table_start(Table table) { return KeyBuilder(table).str(); }
std::string post_key(PostId id) { return KeyBuilder(Table::kPost).u64(id).str(); }
std::string follow_key(UserId follower, UserId followee) {
  return KeyBuilder(Table::kFollow).u64(follower).u64(followee).str();
}
std::string engagement_key(const Engagement& e) {
  return KeyBuilder(Table::kEngagement)
      .u64(e.post)
      .u64(e.user)
      .u8(static_cast<std::uint8_t>(e.kind))
      .i64(e.at)
      .str();
}

absl::Status to_status(const rocksdb::Status& status, std::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return absl::InternalError(fmt::format("{}: {}", what, status.ToString()));
}

// A write the disk refused (full, over a quota or size limit, failing): the batch is not stored
// and the caller may retry once there is room, so it is not an INTERNAL bug.
absl::Status write_status(const rocksdb::Status& status, std::string_view what) {
  if (status.ok()) return absl::OkStatus();
  const std::string message =
      fmt::format("{}, nothing of it was stored: {}", what, status.ToString());
  if (status.IsNoSpace()) return absl::ResourceExhaustedError(message);
  if (status.IsIOError()) return absl::UnavailableError(message);
  return absl::InternalError(message);
}

// RocksDB (as Debian builds it, with assertions on) can abort when a write fails while it opens
// a store; a directory that cannot take a small file is refused before, with the cause.
absl::Status check_writable(const std::string& directory) {
  constexpr std::size_t kProbeBytes = 256 << 10;
  const auto probe = std::filesystem::path(directory) / ".feedrank-write-probe";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        fmt::format("data directory {} is not writable: {}", directory, std::strerror(errno)));
  }
  const std::vector<char> zeros(kProbeBytes, 0);
  std::size_t written = 0;
  int error = 0;
  while (written < zeros.size() && error == 0) {
    const ssize_t n = ::write(fd, zeros.data() + written, zeros.size() - written);
    if (n > 0)
      written += static_cast<std::size_t>(n);
    else if (n < 0 && errno != EINTR)
      error = errno;
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  ::close(fd);
  ::unlink(probe.c_str());
  if (error != 0) {
    return absl::ResourceExhaustedError(fmt::format("data directory {} cannot take {} KiB: {}",
                                                    directory, kProbeBytes >> 10,
                                                    std::strerror(error)));
  }
  return absl::OkStatus();
}

std::string encode_user_state(Sequence through, std::string_view state) {
  encoding::StoredUserState record;
  record.set_through_sequence(through);
  record.set_state(state.data(), state.size());
  return record.SerializeAsString();
}

absl::Status corrupt(rocksdb::Slice key) {
  return absl::DataLossError(fmt::format("corrupt store record, key {}", key.ToString(true)));
}

// Rewrites the user states of a store written before states carried their sequence. All of them
// were saved with the checkpoint whose sequence is stored (one batch then), so they take it. A
// crash halfway leaves states of both forms, with the same meaning; the next open goes on.
// Without that sequence they are dropped: derived data, which the start then derives again.
absl::Status upgrade_legacy_user_states(rocksdb::DB& db) {
  const std::string legacy_end = table_start(Table::kUserState);
  const rocksdb::Slice upper_bound(legacy_end);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(options));
  it->Seek(table_start(Table::kLegacyUserState));
  if (!it->Valid()) return to_status(it->status(), "store scan failed");

  std::string value;
  encoding::StoredCheckpoint checkpoint;
  const std::string key = checkpoint_key();
  const rocksdb::Status read = db.Get(rocksdb::ReadOptions(), key, &value);
  if (!read.ok() && !read.IsNotFound()) return to_status(read, "store read failed");
  if (read.ok() && !checkpoint.ParseFromString(value)) return corrupt(key);
  rocksdb::WriteBatch batch;
  const auto write = [&] {
    return write_status(db.Write(rocksdb::WriteOptions(), &batch), "store upgrade failed");
  };
  for (; it->Valid(); it->Next()) {
    KeyReader reader(it->key());
    if (!reader.has(8)) return corrupt(it->key());
    if (read.ok()) {
      batch.Put(user_state_key(reader.u64()),
                encode_user_state(checkpoint.through_sequence(), it->value().ToStringView()));
    }
    batch.Delete(it->key());
    if (batch.GetDataSize() < (4 << 20)) continue;
    if (auto status = write(); !status.ok()) return status;
    batch.Clear();
  }
  if (!it->status().ok()) return to_status(it->status(), "store scan failed");
  return write();
}

std::string encode(const User& user) {
  encoding::StoredUser record;
  record.set_handle(user.handle);
  record.set_created_at_ms(user.created_at);
  return record.SerializeAsString();
}

// The half-precision bytes are the values' bits as they lie in memory.
static_assert(std::endian::native == std::endian::little);

// Half the bytes when no value loses a bit, else the floats as they are.
void encode_embedding(std::span<const float> values, encoding::StoredPost& record) {
  if (values.empty()) return;  // no vector: neither field
  thread_local std::vector<std::uint16_t> halves;
  thread_local std::vector<float> read_back;
  halves.resize(values.size());
  read_back.resize(values.size());
  half_bits_of(values, halves);
  floats_of_half_bits(halves, read_back);
  if (std::memcmp(read_back.data(), values.data(), values.size_bytes()) != 0) {
    record.mutable_embedding()->Add(values.begin(), values.end());
    return;
  }
  record.set_embedding_half(reinterpret_cast<const char*>(halves.data()), halves.size() * 2);
}

// False when the half-precision bytes are not whole values.
bool decode_embedding(const encoding::StoredPost& record, std::vector<float>& values) {
  const std::string& bytes = record.embedding_half();
  if (bytes.empty()) {
    values.assign(record.embedding().begin(), record.embedding().end());
    return true;
  }
  if (bytes.size() % 2 != 0 || !record.embedding().empty()) return false;
  thread_local std::vector<std::uint16_t> halves;
  halves.resize(bytes.size() / 2);
  std::memcpy(halves.data(), bytes.data(), bytes.size());
  values.resize(halves.size());
  floats_of_half_bits(halves, values);
  return true;
}

std::string encode(const StoredPost& stored) {
  encoding::StoredPost record;
  const Post& post = stored.post;
  record.set_author_id(post.author);
  record.set_created_at_ms(post.created_at);
  record.set_visibility(static_cast<std::uint32_t>(post.visibility));
  record.set_deleted(stored.deleted);
  record.set_sequence(stored.sequence);
  encode_embedding(post.embedding, record);
  record.set_embedding_supplied(post.embedding_supplied);
  if (!stored.deleted) {
    record.set_text(post.text);
    for (const auto& tag : post.hashtags) record.add_hashtags(tag);
  }
  return record.SerializeAsString();
}

class RocksDbStore final : public DurableStore {
 public:
  explicit RocksDbStore(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}

  absl::Status commit(std::span<const StoreMutation> mutations) override {
    rocksdb::WriteBatch batch;
    // Out of memory while encoding is an error with nothing written (the pipeline goes on); one
    // in RocksDB's own write is not caught (FeedStore then stops: what was stored is unknown).
    if (absl::Status encoded = or_error_status("encoding the write", [&] {
          for (const auto& mutation : mutations) {
            std::visit([&](const auto& m) { add(batch, m); }, mutation);
          }
          return absl::OkStatus();
        });
        !encoded.ok()) {
      return encoded;
    }
    rocksdb::WriteOptions options;
    options.sync = true;  // acknowledged means on disk
    // After a write it could not make (a full disk) RocksDB takes none until its own recovery
    // succeeds, which it tries every few seconds once the disk has write_buffer_size free (the
    // margin DB::Open reserves with the SstFileManager; Resume() answers Busy meanwhile), or
    // until the store is opened again: the refusal says so.
    const rocksdb::Status written = db_->Write(options, &batch);
    const bool failed_before = write_failed_.exchange(!written.ok());
    return write_status(written, failed_before ? kRefusedSinceAFailure : "store write failed");
  }

  // Neither step goes through the write-ahead log: there a checkpoint's ~10 MB and their sync
  // held every write behind it for 35-45 ms. A checkpoint only shortens the next start's replay,
  // so losing its newest steps to a crash is safe: each state saved names its own sequence, and
  // every record after the stored checkpoint sequence is in the log. RocksDB persists them with
  // the memtable's flush, in the order written, and at a clean close (avoid_flush_during_shutdown
  // is off).
  absl::Status save_user_states(const Checkpoint& checkpoint, std::size_t first,
                                std::size_t end) override {
    rocksdb::WriteBatch batch;
    for (std::size_t i = first; i < end; ++i) {
      batch.Put(user_state_key(checkpoint.user(i)),
                encode_user_state(checkpoint.through(), checkpoint.state(i)));
    }
    return write_status(db_->Write(without_log(), &batch), "checkpoint write failed");
  }

  absl::Status save_checkpoint_sequence(Sequence through) override {
    encoding::StoredCheckpoint record;
    record.set_through_sequence(through);
    return write_status(db_->Put(without_log(), checkpoint_key(), record.SerializeAsString()),
                        "checkpoint write failed");
  }

  absl::Status make_checkpoint_durable() override {
    // The checkpoint skipped the log: only the memtable's flush puts it on disk (with the
    // memtable's other writes, in order).
    return write_status(db_->Flush(rocksdb::FlushOptions{}), "checkpoint flush failed");
  }

  absl::Status replay(StoreVisitor& visitor) const override {
    // One pass over everything: no point filling the block cache, and large reads ahead help.
    rocksdb::ReadOptions options;
    options.fill_cache = false;
    options.readahead_size = 4 << 20;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (auto status = visit_record(it->key(), it->value(), visitor); !status.ok()) return status;
    }
    return to_status(it->status(), "store scan failed");
  }

  std::vector<MemoryPart> memory_usage() const override {
    const std::pair<const char*, const char*> properties[] = {
        {"rocksdb memtables", "rocksdb.cur-size-all-mem-tables"},
        {"rocksdb block cache", "rocksdb.block-cache-usage"},
        {"rocksdb index and filter blocks", "rocksdb.estimate-table-readers-mem"},
    };
    std::vector<MemoryPart> parts;
    for (const auto& [name, property] : properties) {
      std::uint64_t bytes = 0;
      if (db_->GetIntProperty(property, &bytes)) parts.push_back({name, bytes});
    }
    return parts;
  }

  absl::StatusOr<bool> contains(const Engagement& engagement) const override {
    std::string value;
    const auto key = engagement_key(engagement);
    if (!db_->KeyMayExist(rocksdb::ReadOptions(), key, &value)) return false;
    auto status = db_->Get(rocksdb::ReadOptions(), key, &value);
    if (status.IsNotFound()) return false;
    if (!status.ok()) return to_status(status, "store read failed");
    return true;
  }

 private:
  static rocksdb::WriteOptions without_log() {
    rocksdb::WriteOptions options;
    options.disableWAL = true;
    return options;
  }

  static void add(rocksdb::WriteBatch& batch, const User& user) {
    batch.Put(user_key(user.id), encode(user));
  }
  static void add(rocksdb::WriteBatch& batch, const StoredPost& post) {
    batch.Put(post_key(post.post.id), encode(post));
  }
  static void add(rocksdb::WriteBatch& batch, const Follow& follow) {
    encoding::StoredFollow record;
    record.set_created_at_ms(follow.created_at);
    batch.Put(follow_key(follow.follower, follow.followee), record.SerializeAsString());
  }
  static void add(rocksdb::WriteBatch& batch, const Unfollow& unfollow) {
    batch.Delete(follow_key(unfollow.follower, unfollow.followee));
  }
  static void add(rocksdb::WriteBatch& batch, const StoredEngagement& stored) {
    encoding::StoredEngagement record;
    record.set_sequence(stored.sequence);
    batch.Put(engagement_key(stored.engagement), record.SerializeAsString());
  }

  static absl::Status visit_record(rocksdb::Slice key, rocksdb::Slice value,
                                   StoreVisitor& visitor) {
    if (key.empty()) return corrupt(key);
    KeyReader reader(key);
    switch (static_cast<Table>(key[0])) {
      case Table::kCheckpoint: {
        encoding::StoredCheckpoint record;
        if (!record.ParseFromArray(value.data(), value.size())) return corrupt(key);
        visitor.on_checkpoint(record.through_sequence());
        return absl::OkStatus();
      }
      case Table::kUser: {
        encoding::StoredUser record;
        if (!reader.has(8) || !record.ParseFromArray(value.data(), value.size()))
          return corrupt(key);
        visitor.on_user(User{reader.u64(), record.handle(), record.created_at_ms()});
        return absl::OkStatus();
      }
      case Table::kPost: {
        encoding::StoredPost record;
        if (!reader.has(8) || !record.ParseFromArray(value.data(), value.size()))
          return corrupt(key);
        StoredPost stored;
        stored.deleted = record.deleted();
        stored.sequence = record.sequence();
        Post& post = stored.post;
        post.id = reader.u64();
        post.author = record.author_id();
        post.text = std::move(*record.mutable_text());
        post.created_at = record.created_at_ms();
        // Enums index fixed arrays in memory: a value this binary does not know (a newer one's
        // data, a bad disk) is corruption, not undefined behaviour.
        if (record.visibility() > static_cast<std::uint32_t>(Visibility::kFollowers)) {
          return corrupt(key);
        }
        post.visibility = static_cast<Visibility>(record.visibility());
        if (!decode_embedding(record, post.embedding)) return corrupt(key);
        post.embedding_supplied = record.embedding_supplied();
        for (auto& tag : *record.mutable_hashtags()) post.hashtags.push_back(std::move(tag));
        visitor.on_post(std::move(stored));
        return absl::OkStatus();
      }
      case Table::kFollow: {
        encoding::StoredFollow record;
        if (!reader.has(16) || !record.ParseFromArray(value.data(), value.size()))
          return corrupt(key);
        Follow follow;
        follow.follower = reader.u64();
        follow.followee = reader.u64();
        follow.created_at = record.created_at_ms();
        visitor.on_follow(follow);
        return absl::OkStatus();
      }
      case Table::kEngagement: {
        encoding::StoredEngagement record;  // empty in stores older than sequences
        if (!reader.has(25) || !record.ParseFromArray(value.data(), value.size()))
          return corrupt(key);
        StoredEngagement stored;
        stored.sequence = record.sequence();
        Engagement& engagement = stored.engagement;
        engagement.post = reader.u64();
        engagement.user = reader.u64();
        const std::uint8_t kind = reader.u8();
        if (kind >= kEngagementKindCount) return corrupt(key);
        engagement.kind = static_cast<EngagementKind>(kind);
        engagement.at = reader.i64();
        visitor.on_engagement(stored);
        return absl::OkStatus();
      }
      case Table::kUserState: {
        encoding::StoredUserState record;
        if (!reader.has(8) || !record.ParseFromArray(value.data(), value.size()))
          return corrupt(key);
        visitor.on_user_state(reader.u64(), record.through_sequence(),
                              std::move(*record.mutable_state()));
        return absl::OkStatus();
      }
      case Table::kLegacyUserState:
        break;  // upgraded at open
    }
    return corrupt(key);
  }

  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<bool> write_failed_{false};
};

}  // namespace

absl::StatusOr<std::unique_ptr<DurableStore>> open_rocksdb_store(const std::string& directory,
                                                                 rocksdb::Env* env) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    return absl::FailedPreconditionError(
        fmt::format("cannot create data directory {}: {}", directory, error.message()));
  }
  if (auto status = check_writable(directory); !status.ok()) return status;
  rocksdb::Options options;
  if (env != nullptr) options.env = env;
  options.create_if_missing = true;
  use_info_log(options, directory);
  options.IncreaseParallelism(2);
  options.write_buffer_size = kMemtableBytes;
  // A flush writes its table file to disk as it goes, not in one piece at its end: the WAL
  // syncs of the writes during a flush waited for that piece (write calls of 100 posts at
  // 30,000 posts/s: time in syncs over 10 ms 870-950 -> 570-680 ms in 23 s).
  options.bytes_per_sync = 1 << 20;
  // Most of a post's bytes are its vector, which does not compress: Snappy spent ~13% of the CPU
  // of a bulk ingest for little space.
  options.compression = rocksdb::kNoCompression;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));  // cheap engagement dedupe misses
  // Debian builds RocksDB for any x86-64, so its CRC32C is the slow table-driven one (2.4% of a
  // bulk ingest); XXH3 is as strong for this and several times faster. Files written with CRC32C
  // stay readable: each table file names its own checksum.
  table.checksum = rocksdb::kXXH3;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  rocksdb::DB* raw = nullptr;
  auto status = rocksdb::DB::Open(options, directory, &raw);
  if (!status.ok()) {
    return absl::FailedPreconditionError(
        fmt::format("cannot open store in {}: {}", directory, status.ToString()));
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  if (auto upgraded = upgrade_legacy_user_states(*db); !upgraded.ok()) return upgraded;
  return std::unique_ptr<DurableStore>(new RocksDbStore(std::move(db)));
}

}  // namespace feedrank::store
