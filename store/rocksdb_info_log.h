// RocksDB's own text log (LOG in each database directory), written by a logger of the service's
// own that both of its databases (the store, the impression log) use:
// - it never fails the process: RocksDB's default logger, as Debian builds it (assertions on),
//   aborts at the next line after a write to LOG failed, so a full disk took down a server that
//   could have refused writes and served reads; this one drops a line it cannot write (and
//   opens LOG again, at most once a second, when it could not);
// - it is bounded: LOG rolls to LOG.old past kInfoLogRollBytes, so a directory holds two of
//   them however often the service restarts or however long it runs (by default RocksDB starts
//   a new LOG at every open, keeps up to 1,000 old ones and lets each grow without bound).
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/options.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>

namespace feedrank::store {

// Info log files in a database directory: LOG and LOG.old.
inline constexpr std::size_t kInfoLogFilesKept = 2;
inline constexpr std::size_t kInfoLogRollBytes = 16 << 20;

class InfoLog : public rocksdb::Logger {
 public:
  // Appends to DIRECTORY/LOG (created when missing; a directory that cannot take it gets a log
  // that drops every line). `roll_bytes`: the size past which LOG becomes LOG.old.
  explicit InfoLog(const std::filesystem::path& directory,
                   std::size_t roll_bytes = kInfoLogRollBytes);
  ~InfoLog() override;

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;
  std::size_t GetLogFileSize() const override;
  // Lines that could not be written (a full disk, a failing device).
  std::uint64_t dropped_lines() const;

 protected:
  rocksdb::Status CloseImpl() override;

 private:
  class State;
  std::unique_ptr<State> state_;
};

// Sets `options` to write RocksDB's info log to `directory` through an InfoLog. RocksDB still
// deletes old info logs of its own naming (LOG.old.TIMESTAMP, left by earlier versions of the
// service) beyond keep_log_file_num at each open; LOG.old, its number 0, it keeps.
inline void use_info_log(rocksdb::DBOptions& options, const std::filesystem::path& directory) {
  options.info_log = std::make_shared<InfoLog>(directory);
  options.keep_log_file_num = 1;
}

}  // namespace feedrank::store
